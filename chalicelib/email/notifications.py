"""Instant notifications: an event → subject, HTML and plain text (jinja2 templates)."""

from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.email import templates
from chalicelib.email.message import Content
from chalicelib.models import Event, ScopeData, VulnerabilityData
from chalicelib.settings import get_settings

_SYSTEM_HEADLINES: dict[str, str] = {
    "user.created": "New user added: {email}",
    "user.deleted": "User deleted: {email}",
    "user.role_changed": "Role of {email} changed to {role}",
    "application.created": "Application created: {name}",
    "application.deleted": "Application deleted: {name}",
    "application.renamed": "Application renamed: {previous_name} → {name}",
    "integration.disabled": "Integration disabled: {name}",
    "integration.deleted": "Integration deleted: {name}",
    "integration.degraded": "Integration failing: {name}",
}
_STATUS_NOTICES: dict[str, str] = {"closed": "fixed", "reopened": "reopened", "false_positive": "marked false positive",
                                   "open": "open"}
_LABELS: dict[str, str] = {
    "email": "User", "name": "Name", "role": "Role", "previous_role": "Previous role",
    "previous_name": "Previous name", "application_id": "Application id", "integration_id": "Integration id",
    "reason": "Reason", "host": "Host", "domain": "Domain", "path": "Path", "method": "Method",
    "parameter": "Parameter", "type": "Type", "id": "Id", "status": "Status",
}


def _safe_link(value: Any) -> str | None:
    """Only web links go into an ``href``; anything else (``javascript:``…) is dropped."""
    return value if isinstance(value, str) and value.lower().startswith(("https://", "http://")) else None


def _facts(data: dict[str, Any], skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(_LABELS.get(key, key.replace("_", " ").capitalize()), str(value))
            for key, value in data.items() if value not in (None, "", [], {}) and key not in skip
            and isinstance(value, (str, int, float))]


def _when(event: Event, timezone: str) -> str:
    return event.time.astimezone(ZoneInfo(timezone)).strftime(f"%Y-%m-%d %H:%M ({timezone})")


def render(event: Event, tenant_name: str, timezone: str = "UTC", test: bool = False) -> Content:
    """The email for ``event``; its data was validated at ingest."""
    settings = get_settings()
    base = {"product": settings.product_name, "tenant_name": tenant_name, "console_url": settings.console_url,
            "when": _when(event, timezone), "test": test}
    status_notice = event.type == "vulnerability.status_changed"  # the router completed it from the stored record
    details = VulnerabilityData.model_validate(event.data) if status_notice else event.details()
    data = details.model_dump(exclude_none=True)
    if status_notice:
        assert isinstance(details, VulnerabilityData)
        word = _STATUS_NOTICES.get(details.status, details.status)
        headline = f"Vulnerability {word}: {details.title}"
        subject = f"[{details.risk.capitalize()} risk] {headline}"
        context = {"risk": details.risk, "link": _safe_link(details.link), "notice": word,
                   "facts": _facts(data, ("risk", "title", "link", "status", "previous_status"))}
        name = "vulnerability_status"
    elif isinstance(details, VulnerabilityData):
        headline = f"{details.title}"
        subject = f"[{details.risk.capitalize()} risk] Vulnerability detected: {details.title}"
        context = {"risk": details.risk, "link": _safe_link(details.link), "facts": _facts(data, ("risk", "title",
                                                                                                    "link"))}
        name = "vulnerability"
    elif isinstance(details, ScopeData):
        counts = Counter((change.kind, change.action) for change in details.changes)
        summary = ", ".join(f"{n} {kind}{'' if n == 1 else 's'} {action}" for (kind, action), n in counts.most_common())
        headline = subject = f"Scope changed: {summary}"
        context, name = {"changes": details.changes}, "scope"
    else:
        values = {key: data.get(key, "—") for key in ("email", "role", "name", "previous_name")}
        headline = subject = _SYSTEM_HEADLINES.get(event.type, event.type).format(**values)
        context, name = {"facts": _facts(data)}, "system"
    html, text = templates.render(name, subject=subject, headline=headline, **base, **context)
    return Content(subject, html, text)
