"""Trigger alerts: a threshold crossed, or a group of events → subject, HTML and plain text."""

from collections import Counter
from datetime import datetime
from typing import Any

from chalicelib import clock
from chalicelib.email import templates
from chalicelib.email.message import Content
from chalicelib.models import Event, ThresholdCondition, Trigger, TriggerFilters
from chalicelib.reports.security_data import SecurityData
from chalicelib.settings import get_settings

TOP = 5
_SUMMARY_LIMIT = 300
_METRIC_LABELS = {"attacks": "attacks", "hits": "hits", "incidents": "incidents"}
_FILTER_LABELS = {"domain": "Domain", "attack_type": "Attack type", "ip": "IP", "application": "Application"}
_API_FIELDS = ("change", "action", "method", "host", "domain", "path", "endpoint", "parameter", "application")


def _base(tenant_name: str, when: str) -> dict[str, Any]:
    settings = get_settings()
    return {"product": settings.product_name, "tenant_name": tenant_name, "console_url": settings.console_url,
            "when": when, "test": False}


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


def _wanted(filters: TriggerFilters, kind: str, value: str) -> bool:
    rule = getattr(filters, kind)
    if rule is None:
        return True
    found = value.casefold() in {wanted.casefold() for wanted in rule.values}
    return not found if rule.exclude else found


def tops(condition: ThresholdCondition, data: SecurityData, start: datetime, end: datetime,
         ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Top hosts and attack types of the window: incidents from their records; attacks and hits from the hourly
    aggregates of the hours the window lies in (the domain and attack-type filters applied)."""
    hosts: Counter[str] = Counter()
    types: Counter[str] = Counter()
    if condition.metric == "incidents":
        for incident in data.incidents:
            if start <= incident.at < end:
                hosts[incident.host or "unknown"] += 1
                types[incident.attack_type or "unknown"] += 1
    else:
        for aggregate in data.aggregates:
            for host, counts in aggregate.hosts.items():
                hosts[host] += getattr(counts, condition.metric)
            for kind, counts in aggregate.types.items():
                types[kind] += getattr(counts, condition.metric)
    top_hosts = [(host, n) for host, n in hosts.most_common() if n and _wanted(condition.filters, "domain", host)]
    top_types = [(kind, n) for kind, n in types.most_common() if n and _wanted(condition.filters, "attack_type", kind)]
    return top_hosts[:TOP], top_types[:TOP]


def threshold(trigger: Trigger, tenant_name: str, timezone: str, count: int, start: datetime, end: datetime,
              data: SecurityData) -> Content:
    condition = trigger.condition
    assert isinstance(condition, ThresholdCondition)
    metric = _METRIC_LABELS[condition.metric]
    subject = f"Trigger “{trigger.name}”: more than {condition.threshold:,} {metric} in one {condition.interval}"
    hosts, types = tops(condition, data, start, end)
    facts = [("Trigger", trigger.name), ("Metric", metric.capitalize()),
             ("Count", f"{count:,} (when it fired)"), ("Threshold", f"more than {condition.threshold:,}"),
             ("Window", window_label(start, end, timezone)), *filters_label(condition.filters)]
    html, text = templates.render(
        "alert_threshold", subject=subject, headline=subject, facts=facts, hosts=hosts, types=types, metric=metric,
        hours_note=condition.metric != "incidents" and condition.interval == "minute",
        **_base(tenant_name, local_time(end, timezone, f"%Y-%m-%d %H:%M ({timezone})")))
    return Content(subject, html, text)


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
    users = trigger.condition.type == "user_added"
    if users:
        subject = (f"New user added: {rows[0]['who']} ({rows[0]['role']})" if len(rows) == 1
                   else f"{len(rows)} new users added")
    else:
        subject = "API changed: " + (rows[0]["what"] if len(rows) == 1 else f"{len(rows)} changes")
    headline = f"Trigger “{trigger.name}”: {subject}"
    html, text = templates.render("alert_events", subject=subject, headline=headline, rows=rows, users=users,
                                  trigger_name=trigger.name, timezone=timezone,
                                  **_base(tenant_name, f"Times in {timezone}"))
    return Content(f"Trigger “{trigger.name}”: {subject}", html, text)
