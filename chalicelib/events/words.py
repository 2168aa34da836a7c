"""Event types and subscribed kinds in words, for people (the console, Test integration's answers):
"Vulnerability detected (high risk)", never ``vuln_high`` or ``vulnerability.detected``. An event type's words are
its headline in the registry (:data:`chalicelib.models.events.EVENTS`)."""

from chalicelib.models.events import EVENTS

SUBSCRIPTIONS: dict[str, str] = {
    "report_daily": "Daily PDF report", "report_weekly": "Weekly PDF report", "report_monthly": "Monthly PDF report",
    "system": "System related", "vuln_high": "Vulnerabilities (high risk)",
    "vuln_medium": "Vulnerabilities (medium risk)", "vuln_low": "Vulnerabilities (low risk)", "scope": "Scope changed",
}


def subscriptions(kinds: list[str]) -> str:
    """Subscribed event types as a list in words: ``System related, Vulnerabilities (high risk)``."""
    return ", ".join(SUBSCRIPTIONS.get(kind, kind) for kind in kinds)


def event(event_type: str | None, subscription: str | None = None) -> str:
    """One event type in words; a vulnerability says the risk it was routed by."""
    if not event_type:
        return ""
    kind = EVENTS.get(event_type)
    words = kind.headline if kind else SUBSCRIPTIONS.get(event_type)
    if words is None:
        words = event_type.replace("_", " ").replace(".", ": ").capitalize()
    if subscription and subscription.startswith("vuln_"):
        words += f" ({subscription.removeprefix('vuln_')} risk)"
    return words
