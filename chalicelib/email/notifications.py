"""Instant notifications: an event → subject, HTML and plain text (jinja2 templates).

Every mail says what happened in words and, when something is to be done, what to do.
"""

import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from chalicelib import clock, vocabulary
from chalicelib.email import severity
from chalicelib.email.compose import compose
from chalicelib.email.message import Content, header_text
from chalicelib.models.events import EVENTS, Event, ScopeData, VulnerabilityData
from chalicelib.models.security import OPEN, Vulnerability
from chalicelib.models.tenants import SlaDays
from chalicelib.settings import get_settings

# A system mail's headline is its type's in the registry; an automatic disable has its own.
_AUTOMATIC_HEADLINE = "Integration disabled automatically: {name}"
# A status change is mailed with the verb a reader acts on (false positives are not mailed: the router).
_STATUS_VERBS: dict[str, str] = {"closed": "fixed", "reopened": "reopened", "open": "reopened",
                                 "false_positive": "marked false positive"}
_LABELS: dict[str, str] = {
    "email": "User", "name": "Name", "role": "Role", "previous_role": "Previous role",
    "previous_name": "Previous name", "mode": "Disabled", "actor": "Changed by", "reason": "Reason",
    "error": "Most common error", "failing_addresses": "Failing addresses", "dead_lettered": "Dead-lettered deliveries",
    "reports": "Reports", "application_id": "Application id", "integration_id": "Integration id", "host": "Host",
    "domain": "Domain",
    "path": "Path", "method": "Method", "parameter": "Parameter", "type": "Type", "id": "Id", "status": "Status",
}
# Facts are shown in this order, unlabelled fields last.
_ORDER = {key: position for position, key in enumerate(_LABELS)}
_STATUS_WORDS: dict[str, str] = {"open": "Open", "closed": "Fixed", "false_positive": "False positive",
                                 "reopened": "Reopened"}
_VULNERABILITY_FIELDS = ("risk", "title", "host", "domain", "path", "method", "parameter", "type", "id", "link",
                         "status", "previous_status", "detected_at", "open_since")
# The word a vulnerability mail leads with (preheader and first line): the state, since the subject threads.
_STATE_WORDS: dict[str, str] = {"detected": "Detected", "fixed": "Fixed", "reopened": "Reopened",
                                "marked false positive": "False positive"}
# One long field (a 2,000-character path) must not push the others out of a 200-character subject.
_PART_LIMIT = 80
ADMIN_MARK = "[Admin access] "
_ACTION_MARK = "[Action needed] "


def _safe_link(value: Any) -> str | None:
    """Only web links go into an ``href``; anything else (``javascript:``…) is dropped."""
    return value if isinstance(value, str) and value.lower().startswith(("https://", "http://")) else None


def _facts(data: Mapping[str, Any], skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    shown = [(key, value) for key, value in data.items() if value not in (None, "", [], {})
             and key not in skip and isinstance(value, (str, int, float))]
    return [(_LABELS.get(key, key.replace("_", " ").capitalize()), str(value))
            for key, value in sorted(shown, key=lambda item: _ORDER.get(item[0], len(_ORDER)))]


def _when(event: Event, timezone: str) -> str:
    return clock.local(event.time, timezone).strftime(f"%Y-%m-%d %H:%M ({timezone})")


def _part(value: Any) -> str:
    """One field as a bounded, header-safe piece of a subject; empty when missing or not text."""
    return header_text(str(value), _PART_LIMIT) if isinstance(value, (str, int, float)) else ""


# --- vulnerabilities -------------------------------------------------------------------


def _where(data: Mapping[str, Any]) -> str:
    """``api.acme.io GET /v2/orders (order_id)``: as much of the place as ``data`` names."""
    path = _part(data.get("path"))
    method = _part(data.get("method")).upper() if path else ""
    place = " ".join(part for part in (_part(data.get("host")) or _part(data.get("domain")), method, path) if part)
    parameter = _part(data.get("parameter"))
    if parameter:
        return f"{place} ({parameter})" if place else f"parameter {parameter}"
    return place


def vulnerability_subject(data: Mapping[str, Any]) -> str:
    """``[High] SQL injection — api.acme.io GET /v2/orders (order_id)``, the same for the detected, fixed and
    reopened mails so they thread (email/threads.py; the mail says which it is). Without a type the title names
    it; a missing field is left out; the result is header-safe."""
    risk, kind, title = (_part(data.get(key)) for key in ("risk", "type", "title"))
    tag = f"[{risk.capitalize()}] " if risk else ""
    what = vocabulary.describe(kind).name if kind else "Vulnerability"
    if title and not kind:
        what += f": {title}"
    place = _where(data)
    return header_text(tag + what + (f" — {place}" if place else ""))


def _status(status: str, previous: str) -> str:
    """``Fixed (was open)``."""
    words = _STATUS_WORDS.get(status, status)
    return f"{words} (was {_STATUS_WORDS.get(previous, previous).lower()})" if previous else words


def _vulnerability_advice(info: vocabulary.TypeInfo | None, verb: str) -> list[str]:
    if verb == "fixed":
        return ["Nothing to do: the platform reports it fixed. If it is found again you will get a mail saying "
                "it was reopened."]
    fix = (info.remediation if info and info.remediation
           else "Open the vulnerability in the platform, fix it in code and check the fix there.")
    return [fix, "It had been reported fixed: check that the fix reached every host."] if verb == "reopened" else [fix]


def timing(record: Vulnerability) -> dict[str, str]:
    """When it was first detected and when its current open run began (detection or the last reopening): what a
    mail's fix deadline and age count from, as the reports' age does."""
    since = next((change.at for change in reversed(record.history) if change.status in OPEN), None)
    return {"detected_at": record.at.isoformat(),
            **({"open_since": since.isoformat()} if since and record.status in OPEN else {})}


def _day(moment: datetime, timezone: str) -> str:
    local = clock.local(moment, timezone)
    return f"{local.day} {local:%b %Y}"


def _days(delta: timedelta) -> str:
    return vocabulary.quantity(max(delta.days, 0), "day")


def _deadline(data: Mapping[str, Any], verb: str, sla: SlaDays, timezone: str) -> list[tuple[str, str]]:
    """``Fix by: 13 Nov 2026 — SLA 3 days`` (overdue: by how long) for an open one, with its age when reopened or
    overdue, counted from the current open run (as the reports' age), in the tenant's zone."""
    detected = datetime.fromisoformat(data["detected_at"]) if data.get("detected_at") else None
    since = datetime.fromisoformat(data["open_since"]) if data.get("open_since") else None
    risk, now = data.get("risk"), clock.now()
    if since is None or risk not in ("high", "medium", "low") or verb not in ("detected", "reopened"):
        return []
    days = getattr(sla, risk)
    due = since + timedelta(days=days)
    facts = [("Fix by", f"{_day(due, timezone)} — SLA {vocabulary.quantity(days, 'day')}"
                        + (f", overdue by {_days(now - due)}" if now > due else ""))]
    open_for = f", open {_days(now - since)}" if (now - since).days else ""
    if verb == "reopened" and detected:
        facts.append(("Age", f"detected {_day(detected, timezone)}, reopened {_day(since, timezone)}{open_for}"))
    elif now > due:
        facts.append(("Age", f"detected {_day(since, timezone)}{open_for}"))
    return facts


def vulnerability_parts(data: Mapping[str, Any], verb: str, sla: SlaDays | None = None,
                        timezone: str = "UTC") -> tuple[str, str, dict[str, Any]]:
    """Subject, headline and template context of a vulnerability mail; the detected, fixed and reopened mails
    (``vulnerability.html`` and ``vulnerability_status.html``) share them. The subject is the same for all (they
    thread); the headline and the summary (the preheader) lead with the state."""
    info = vocabulary.describe(str(data["type"])) if data.get("type") else None
    path = data.get("path")
    status, previous = (str(data.get(key) or "") for key in ("status", "previous_status"))
    facts = [
        ("Type", info.name if info else None),
        ("Category", info.category if info else None),
        ("OWASP API", info.owasp_api if info else None),
        ("Host", data.get("host")),
        ("Domain", data.get("domain")),
        ("Endpoint", f"{str(data.get('method') or '').upper()} {path}".strip() if path else None),
        ("Parameter", data.get("parameter")),
        ("Status", _status(status, previous) if verb != "detected" and status else None),
        *_deadline(data, verb, sla or SlaDays(), timezone),
        ("Id", data.get("id")),
    ]
    context = {
        "risk": data.get("risk") if data.get("risk") in ("high", "medium", "low") else None,
        "verb": verb,
        "facts": [(label, str(value)) for label, value in facts if value not in (None, "")]
        + _facts(data, _VULNERABILITY_FIELDS),
        "advice": _vulnerability_advice(info, verb),
        "link": _safe_link(data.get("link")),
    }
    state = _STATE_WORDS.get(verb, verb.capitalize())
    subject = vulnerability_subject(data)
    context["summary"] = f"{state}: {subject}"
    headline = f"{state}: {data.get('title') or (info.name if info else 'Vulnerability')}"
    return subject, headline, context


# --- system ------------------------------------------------------------------------------


def is_admin_role(role: Any) -> bool:
    """``admin``, ``Administrator``, ``global_admin``: the platform's administrator roles, read as a person reads
    them: NFKC (``ＡＤＭＩＮ`` is ``ADMIN``), without control and format characters (``admin\u200b``, a soft
    hyphen or a bidi override inside are invisible), trimmed and case-folded."""
    text = unicodedata.normalize("NFKC", str(role or ""))
    visible = "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf"))
    return visible.strip().casefold().replace("_", " ").endswith(("admin", "administrator"))


def _addresses(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [address for address in value if isinstance(address, str)] if isinstance(value, list) else []


def _fix_steps(addresses: list[str]) -> list[str]:
    """What makes a failing integration deliver again: fix the addresses, then test."""
    plural = "es" if len(addresses) > 1 else ""
    return [f"Fix or remove the failing address{plural}: {', '.join(addresses)}." if addresses
            else "Look up the failing addresses in the integration's delivery log, then fix or remove them.",
            "Run Test integration and check that every address is accepted."]


class Notice(NamedTuple):
    """What a system mail says beyond its headline: a notice, the advice, the facts' data, and for a case of its
    own a headline form and a subject mark."""

    text: str
    advice: list[str]
    shown: dict[str, Any]
    headline: str = ""
    mark: str = ""


def _shown(data: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, "failing_addresses": ", ".join(_addresses(data.get("failing_addresses")))}


def _changed(data: Mapping[str, Any]) -> Notice:
    """A user, application or integration changed: the facts say it all."""
    return Notice("", [], _shown(data))


def _user(data: Mapping[str, Any]) -> str:
    return _part(data.get("email")) or _part(data.get("name")) or "unknown user"


def _admin_access(data: Mapping[str, Any]) -> Notice:
    advice = ["If you did not expect this, remove the admin role and review the changes this user made."]
    return Notice(f"Admin access granted to {_user(data)}.", advice, _shown(data), mark=ADMIN_MARK)


def _user_created(data: Mapping[str, Any]) -> Notice:
    """A user created as an administrator is flagged."""
    return _admin_access(data) if is_admin_role(data.get("role")) else _changed(data)


def _role_changed(data: Mapping[str, Any]) -> Notice:
    """A role changed to an administrator's from another one is flagged."""
    granted = is_admin_role(data.get("role")) and not is_admin_role(data.get("previous_role"))
    return _admin_access(data) if granted else _changed(data)


def _degraded(data: Mapping[str, Any]) -> Notice:
    limit = f"{get_settings().auto_disable_ratio:.0%}"
    return Notice(f"Mail to this integration is failing. At {limit} failed send requests it is disabled "
                  "automatically.", _fix_steps(_addresses(data.get("failing_addresses"))), _shown(data))


def _unsubscribed(data: Mapping[str, Any]) -> Notice:
    """Who left, and what an admin may do."""
    address = _part(data.get("address"))
    advice = [f"If {address} should get these mails again, check with them first, then add the address back on "
              "the integration's page in the console."]
    if data.get("recipients_left") == 0:
        advice.insert(0, "No address is left: the integration sends nothing until you add one.")
    return Notice(f"{address} used the unsubscribe link in a mail from this integration and no longer gets its "
                  "mail.", advice, _shown(data))


def _report_late(data: Mapping[str, Any]) -> Notice:
    """Which reports were late and what was done: queued again, once; where to look if one still does not come."""
    reports = [_part(report) for report in data.get("reports") or [] if isinstance(report, str)]
    these = "This report" if len(reports) == 1 else "These reports"
    text = (f"{these} had not gone out {data.get('hours')} hours after their send time (a delay on our side). "
            "They were queued again and go out shortly, once to each integration.")
    advice = ["Nothing to do if they arrive. If one does not, the Reports page in the console shows where its run "
              "stopped, per integration and per recipient."]
    return Notice(text, advice, {"reports": "; ".join(reports)})


def _disabled(data: Mapping[str, Any]) -> Notice:
    """Disabled by hand, or automatically (``mode``, ``error``, ``failing_addresses`` and ``dead_lettered`` come
    with the automatic case): then what makes it deliver again, and the subject asks for action."""
    # Events that do not say how fall back on the reason: the only manual one is "manual".
    mode = data.get("mode") or ("manual" if data.get("reason") in (None, "manual") else "automatic")
    if mode == "manual":
        return Notice("", ["Nothing is sent to it until it is enabled again: to resume, enable it in the console."],
                      {**_shown(data), "mode": "manually", "reason": None})
    steps = [*_fix_steps(_addresses(data.get("failing_addresses"))), "Enable the integration."]
    dead = data.get("dead_lettered")
    if isinstance(dead, int) and dead > 0:
        steps.append(f"Redrive the {dead} dead-lettered deliver{'y' if dead == 1 else 'ies'} from its delivery log.")
    return Notice("Disabled automatically because most of its recent deliveries failed. Nothing is sent to it "
                  "until it is enabled again.", steps, {**_shown(data), "mode": "automatically"},
                  _AUTOMATIC_HEADLINE, _ACTION_MARK)


def _system(event_type: str, data: Mapping[str, Any], notice: Notice) -> tuple[str, str, dict[str, Any]]:
    """Subject, headline and context of a system mail: who changed what, and the notice of its case."""
    role = _part(data.get("role"))
    values = {"user": _user(data), "as_role": f" ({role})" if role else "", "role": role or "—",
              "name": _part(data.get("name")) or "—", "previous_name": _part(data.get("previous_name")) or "—"}
    actor = _part(data.get("actor"))
    kind = EVENTS[event_type]
    form = notice.headline or kind.mail_headline or kind.headline
    headline = form.format(**values) + (f" by {actor}" if actor else "")
    context = {"notice": notice.text, "advice": notice.advice, "facts": _facts(notice.shown)}
    return header_text(notice.mark + headline), headline, context


# --- scope -------------------------------------------------------------------------------


_SCOPE_ADVICE: dict[str, str] = {
    "added": "Check that each added one is meant to be reachable from the internet and is protected.",
    "removed": "Check that each removed one is really gone: what leaves the scope is no longer scanned.",
}


def _scope(details: ScopeData) -> tuple[str, dict[str, Any]]:
    """``Scope changed: host new.acme.io added`` (or the counts when there are several changes) and what to check."""
    if len(details.changes) == 1:
        [change] = details.changes
        subject = header_text(f"Scope changed: {change.kind} {_part(change.value)} {change.action}")
    else:
        counts = Counter((change.kind, change.action) for change in details.changes)
        subject = "Scope changed: " + ", ".join(f"{n} {kind}{'' if n == 1 else 's'} {action}"
                                                for (kind, action), n in counts.most_common())
    actions = {change.action for change in details.changes}
    return subject, {"changes": details.changes,
                     "advice": [line for action, line in _SCOPE_ADVICE.items() if action in actions]}


Parts = tuple[str, str, dict[str, Any]]  # subject, headline and the template's context


def _vulnerability_detected(event: Event, sla: SlaDays | None, timezone: str) -> Parts:
    data = VulnerabilityData.model_validate(event.data).model_dump(exclude_none=True)
    return vulnerability_parts(data, "detected", sla, timezone)


def _vulnerability_status(event: Event, sla: SlaDays | None, timezone: str) -> Parts:
    """A status change, which the router completed from the stored record into a whole vulnerability."""
    details = VulnerabilityData.model_validate(event.data)
    verb = _STATUS_VERBS.get(details.status, details.status)
    return vulnerability_parts(details.model_dump(exclude_none=True), verb, sla, timezone)


def _scope_changed(event: Event, sla: SlaDays | None, timezone: str) -> Parts:
    subject, context = _scope(ScopeData.model_validate(event.data))
    return subject, subject, context


Builder = Callable[[Event, SlaDays | None, str], Parts]


def _system_mail(notice: Callable[[Mapping[str, Any]], Notice]) -> Builder:
    def build(event: Event, sla: SlaDays | None, timezone: str) -> Parts:
        data = event.details().model_dump(exclude_none=True)
        return _system(event.type, data, notice(data))

    return build


# The builder of each ``Mail`` an event type names in the registry (``EVENTS[type].mail``); alerts: email/alerts.py.
BUILDERS: dict[str, Builder] = {
    "system": _system_mail(_changed), "user_created": _system_mail(_user_created),
    "role_changed": _system_mail(_role_changed), "integration_disabled": _system_mail(_disabled),
    "integration_degraded": _system_mail(_degraded), "recipient_unsubscribed": _system_mail(_unsubscribed),
    "report_late": _system_mail(_report_late),
    "vulnerability": _vulnerability_detected, "vulnerability_status": _vulnerability_status, "scope": _scope_changed,
}


def render(event: Event, tenant_name: str, timezone: str = "UTC", test: bool = False,
           sla: SlaDays | None = None) -> Content:
    """The email for ``event``, by the builder and template its type names in the registry; its data was validated
    at ingest. ``sla``: the tenant's SLA days, which a vulnerability mail's fix deadline counts with."""
    kind = EVENTS[event.type]
    build, template = BUILDERS.get(kind.mail or ""), kind.mail_template()
    if build is None or template is None:
        raise ValueError(f"{event.type} events are not mailed on their own")
    subject, headline, context = build(event, sla, timezone)
    if event.type.startswith("vulnerability.") and event.data.get("status") in OPEN:
        context = {**context, "snooze": "mute"}  # a fix needs no mute: the next mail about it would be a reopening
    return replace(compose(template, subject, tenant_name, _when(event, timezone), test, headline=headline, **context),
                   severity=severity.of_event(event.type, event.data))
