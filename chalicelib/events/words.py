"""Event types and subscribed kinds in words, for people (the console, Test integration's answers):
"Vulnerability detected (high risk)", never ``vuln_high`` or ``vulnerability.detected``."""

SUBSCRIPTIONS: dict[str, str] = {
    "report_daily": "Daily PDF report", "report_weekly": "Weekly PDF report", "report_monthly": "Monthly PDF report",
    "system": "System related", "vuln_high": "Vulnerabilities (high risk)",
    "vuln_medium": "Vulnerabilities (medium risk)", "vuln_low": "Vulnerabilities (low risk)", "scope": "Scope changed",
}
EVENT_TYPES: dict[str, str] = {
    "user.created": "User added", "user.deleted": "User deleted", "user.role_changed": "User role changed",
    "application.created": "Application created", "application.deleted": "Application deleted",
    "application.renamed": "Application renamed",
    "vulnerability.detected": "Vulnerability detected", "vulnerability.status_changed": "Vulnerability status changed",
    "scope.changed": "Scope changed", "api.changed": "API changed", "attack.detected": "Attack detected",
    "incident.detected": "Incident detected",
    "integration.disabled": "Integration disabled", "integration.deleted": "Integration deleted",
    "integration.degraded": "Integration failing",
    "trigger.threshold": "Threshold alert", "trigger.api_changed": "API changes alert",
    "trigger.user_added": "New user alert",
}


def subscriptions(kinds: list[str]) -> str:
    """Subscribed event types as a list in words: ``System related, Vulnerabilities (high risk)``."""
    return ", ".join(SUBSCRIPTIONS.get(kind, kind) for kind in kinds)


def event(event_type: str | None, subscription: str | None = None) -> str:
    """One event type in words; a vulnerability says the risk it was routed by."""
    if not event_type:
        return ""
    words = EVENT_TYPES.get(event_type) or SUBSCRIPTIONS.get(event_type)
    if words is None:
        words = event_type.replace("_", " ").replace(".", ": ").capitalize()
    if subscription and subscription.startswith("vuln_"):
        words += f" ({subscription.removeprefix('vuln_')} risk)"
    return words
