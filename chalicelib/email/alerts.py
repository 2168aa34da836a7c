"""Trigger alerts: a threshold crossed, or a group of events → subject, HTML and plain text."""

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from chalicelib import clock
from chalicelib.email.compose import compose
from chalicelib.email.message import Content
from chalicelib.email.notifications import ADMIN_MARK, is_admin_role
from chalicelib.models.events import EVENTS, Event, alert_type
from chalicelib.models.security import SecurityData
from chalicelib.models.triggers import ThresholdCondition, Trigger, TriggerFilters
from chalicelib.vocabulary import country_name, describe

TOP = 5
_SUMMARY_LIMIT = 300
_METRIC_LABELS = {"attacks": "attacks", "hits": "hits", "incidents": "incidents"}
_FILTER_LABELS = {"domain": "Domain", "attack_type": "Attack type", "ip": "IP", "application": "Application"}
_API_FIELDS = ("change", "action", "method", "host", "domain", "path", "endpoint", "parameter", "application")


def _template(trigger: Trigger) -> str:
    """The template of the trigger's alert, as the event registry says."""
    template = EVENTS[alert_type(trigger.condition.type)].template
    assert template, "every alert kind has a template (tests/test_event_registry.py)"
    return template


def local_time(moment: datetime, timezone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return clock.local(moment, timezone).strftime(fmt)


def window_label(start: datetime, end: datetime, timezone: str) -> str:
    """``2026-11-25 11:00 – 11:01 (Europe/Berlin)``; the end's date is shown when it differs."""
    first, last = (clock.local(moment, timezone) for moment in (start, end))
    tail = last.strftime("%H:%M") if first.date() == last.date() else last.strftime("%Y-%m-%d %H:%M")
    return f"{first:%Y-%m-%d %H:%M} – {tail} ({timezone})"


def filters_label(filters: TriggerFilters) -> list[tuple[str, str]]:
    return [(_FILTER_LABELS[kind], f"{'none of' if rule.exclude else 'any of'} {', '.join(rule.values)}")
            for kind, rule in filters if rule is not None]


class Row(NamedTuple):
    """One line of a top list: what (in words), a detail (category, country), how many, and the code it names."""

    name: str
    detail: str
    count: int
    code: str = ""


def _top(counter: Counter[str], detail: Callable[[str], str] = lambda name: "") -> list[Row]:
    return [Row(name, detail(name), n, name) for name, n in counter.most_common(TOP) if n]


def tops(condition: ThresholdCondition, data: SecurityData, start: datetime, end: datetime) -> dict[str, list[Row]]:
    """Top hosts, attack types (in words, with their CWE / OWASP category), source IPs (with their country) and
    endpoints of the window: incidents from their records; attacks and hits from the hourly aggregates of the
    hours the window lies in. ``data`` comes with the trigger's filters applied."""
    found: dict[str, Counter[str]] = {"hosts": Counter(), "types": Counter(), "ips": Counter(), "endpoints": Counter()}
    countries: dict[str, str] = {}
    if condition.metric == "incidents":
        for incident in data.incidents:
            if start <= incident.at < end:
                found["hosts"][incident.host or "unknown"] += 1
                found["types"][incident.attack_type or "unknown"] += 1
    else:
        for aggregate in data.aggregates:
            countries |= aggregate.ip_countries
            for dimension, counter in found.items():
                for name, counts in getattr(aggregate, dimension).items():
                    counter[name] += getattr(counts, condition.metric)
    types = [row._replace(name=describe(row.code).name, detail=describe(row.code).category)
             for row in _top(found["types"])]
    return {"hosts": _top(found["hosts"]), "types": types, "endpoints": _top(found["endpoints"]),
            "ips": _top(found["ips"], lambda ip: country_name(countries.get(ip)))}


def _blocked(condition: ThresholdCondition, data: SecurityData, label: str) -> list[tuple[str, str]]:
    """"12 of 40 attacks blocked, 28 only monitored" for the hours of an attack window (all hosts: the store
    counts blocking per hour, not per filter value)."""
    attacks = sum(aggregate.attacks for aggregate in data.aggregates)
    if condition.metric == "incidents" or not attacks:
        return []
    blocked = sum(aggregate.blocked for aggregate in data.aggregates)
    return [(label, f"{blocked:,} of {attacks:,} attacks blocked, {attacks - blocked:,} only monitored")]


def _what_to_do(condition: ThresholdCondition, rows: dict[str, list[Row]], data: SecurityData) -> list[str]:
    """A few next steps: the top type's remediation, the sources to look at, monitored attacks to block."""
    steps = []
    if rows["types"] and describe(rows["types"][0].code).remediation:
        steps.append(f"{rows['types'][0].name}: {describe(rows['types'][0].code).remediation}")
    if rows["ips"]:
        steps.append("Check the top source IPs: block or rate-limit those that are not yours.")
    if condition.metric != "incidents" and any(a.attacks > a.blocked for a in data.aggregates):
        steps.append("Some attacks were only monitored and reached the application: consider blocking mode "
                     "for the endpoints listed.")
    return steps


def sent_label(timezone: str) -> str:
    """The real send (render) time in the tenant's zone, e.g. ``2026-11-25 11:00:07 (Europe/Berlin)``."""
    return local_time(clock.now(), timezone, f"%Y-%m-%d %H:%M:%S ({timezone})")


def threshold(trigger: Trigger, tenant_name: str, timezone: str, count: int, start: datetime, end: datetime,
              data: SecurityData) -> Content:
    condition = trigger.condition
    assert isinstance(condition, ThresholdCondition)
    metric = _METRIC_LABELS[condition.metric]
    rows = tops(condition, data, start, end)
    # the subject stays the same for every alert of the trigger (they thread); the headline names the top ones
    subject = f"Trigger “{trigger.name}”: more than {condition.threshold:,} {metric} in one {condition.interval}"
    named = {kind: next((row.name for row in rows[kind] if not row.code.startswith("(")), None)
             for kind in ("types", "hosts")}  # "(other hosts)" names nothing
    headline = subject
    if named["types"]:
        headline += f" — {named['types']}" + (f" on {named['hosts']}" if named["hosts"] else "")
    sent, hours_note = sent_label(timezone), condition.metric != "incidents" and condition.interval == "minute"
    facts = [("Trigger", trigger.name), ("Metric", metric.capitalize()),
             ("Count", f"{count:,} (when it fired)"), ("Threshold", f"more than {condition.threshold:,}"),
             ("Window", window_label(start, end, timezone)), ("Sent", sent),
             *_blocked(condition, data, "Blocked (this hour)" if hours_note else "Blocked"),
             *filters_label(condition.filters)]
    sections = [("Top source IPs", rows["ips"]), ("Top attack types", rows["types"]),
                ("Top endpoints", rows["endpoints"]), ("Top hosts", rows["hosts"])]
    return compose(_template(trigger), subject, tenant_name, f"Sent {sent}", headline=headline, facts=facts,
                   sections=sections, metric=metric, steps=_what_to_do(condition, rows, data), hours_note=hours_note)


def _clip(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= _SUMMARY_LIMIT else value[: _SUMMARY_LIMIT - 1] + "…"


def _api_change(data: dict[str, Any]) -> str:
    parts = [str(data[key]) for key in _API_FIELDS if isinstance(data.get(key), (str, int)) and data.get(key) != ""]
    if parts:
        return " ".join(parts)
    scalars = [f"{key}={value}" for key, value in data.items() if isinstance(value, (str, int, float, bool))]
    return ", ".join(scalars) or "API changed (no details)"


def entry(event: Event) -> dict[str, str]:
    """What a grouped alert lists about one event (small: a group keeps up to a few hundred)."""
    data = event.data
    if event.type == "user.created":
        who = " ".join(_texts(data.get("name"), f"<{data['email']}>" if data.get("email") else None))
        return {"id": event.id, "at": event.time.isoformat(), "who": _clip(who or "unknown user"),
                "role": _clip(str(data.get("role") or "not given"))}
    return {"id": event.id, "at": event.time.isoformat(), "what": _clip(_api_change(data))}


def _texts(*values: Any) -> list[str]:
    return [value for value in values if isinstance(value, str) and value]


def group(trigger: Trigger, tenant_name: str, timezone: str, entries: list[dict[str, Any]]) -> Content:
    """One email listing every event of a group, oldest first."""
    rows = sorted(entries, key=lambda row: row["at"])
    for row in rows:
        row["when"] = local_time(datetime.fromisoformat(row["at"]), timezone, "%Y-%m-%d %H:%M:%S")
        row["admin"] = is_admin_role(row.get("role"))
    users = trigger.condition.type == "user_added"
    admins = sum(row["admin"] for row in rows)
    if users and len(rows) == 1:
        added = "New user with an admin role" if admins else "New user added"
        subject = f"{added}: {rows[0]['who']} ({rows[0]['role']})"
    elif users:
        subject = f"{len(rows)} new users added" + (f", {admins} with an admin role" if admins else "")
    else:
        subject = "API changed: " + (rows[0]["what"] if len(rows) == 1 else f"{len(rows)} changes")
    headline = f"Trigger “{trigger.name}”: {subject}"
    mail = compose(_template(trigger), subject, tenant_name, f"Sent {sent_label(timezone)}", headline=headline,
                   rows=rows, users=users, trigger_name=trigger.name, timezone=timezone, admins=admins)
    # the page title stays the short subject; the mail's subject stays the same for the trigger's groups (they
    # thread), marked when a group grants admin access (those thread apart, in Gmail and Outlook)
    stem = f"Trigger “{trigger.name}”: {'new users added' if users else 'API changed'}"
    return replace(mail, subject=(ADMIN_MARK if admins else "") + stem)
