"""Trigger alerts: a threshold crossed, or a group of events → subject, HTML and plain text."""

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from chalicelib import clock
from chalicelib.email.compose import compose
from chalicelib.email.message import Content
from chalicelib.email.notifications import ADMIN_MARK, is_admin_role
from chalicelib.models.events import EVENTS, Event, alert_type
from chalicelib.models.triggers import Tally, ThresholdCondition, Trigger, TriggerFilters
from chalicelib.vocabulary import country_name, describe, joined, number, quantity

TOP = 5
_SUMMARY_LIMIT = 300
_METRIC_LABELS = {"attacks": "attacks", "hits": "hits", "incidents": "incidents"}
_FILTER_LABELS = {"domain": "Domain", "attack_type": "Attack type", "ip": "IP", "application": "Application"}
_UNKNOWN = "unknown"  # what an event that names no type or host is counted as
_API_FIELDS = ("change", "action", "method", "host", "domain", "path", "endpoint", "parameter", "application")


def _template(trigger: Trigger) -> str:
    """The template of the trigger's alert, as the event registry says."""
    template = EVENTS[alert_type(trigger.condition.type)].mail_template()
    assert template, "every alert kind has a template (tests/unit/test_event_registry.py)"
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
    """One line of a top list: what (in words), a detail (category, country), how many (``each``: of several
    named at once), and the code it names."""

    name: str
    detail: str
    count: int
    code: str = ""
    each: bool = False


def _ranked(counter: Mapping[Any, int], name: Callable[[Any], str]) -> list[tuple[Any, int]]:
    """Largest first; ties in the order of the names shown, so the same counts always read the same way."""
    return sorted(((key, n) for key, n in counter.items() if n), key=lambda item: (-item[1], name(item[0])))


def _top(counter: Mapping[Any, int], describe_row: Callable[[Any], tuple[str, str]]) -> list[Row]:
    """The top ``TOP``, and one more line for those tied with the last one shown (a tie is never hidden)."""
    ranked = _ranked(counter, lambda key: describe_row(key)[0])
    rows = [Row(*describe_row(key), n, str(key)) for key, n in ranked[:TOP]]
    tied = [key for key, n in ranked[TOP:] if n == rows[-1].count] if rows else []
    if tied:
        rows.append(Row(f"… and {len(tied)} more with as many", "", rows[-1].count, "", each=True))
    return rows


def _pair_words(pair: tuple[str, str]) -> str:
    """``SQL injection on pay.acme.io``; an incident may name neither (``windows.counted`` then says "unknown")."""
    kind, host = pair
    what = "Unknown type" if kind == _UNKNOWN else describe(kind).name
    return f"{what} on {host}" if host != _UNKNOWN else f"{what} (host not given)"


def _type_words(code: str) -> tuple[str, str]:
    return describe(code).name, describe(code).category


def tops(tally: Tally) -> dict[str, list[Row]]:
    """Top source IPs (with their country), attack types (in words, with their CWE / OWASP category), types on
    hosts, endpoints and hosts of exactly the events the window counted."""
    return {
        "ips": _top(tally.ips, lambda ip: (ip, country_name(tally.ip_countries.get(ip)))),
        "types": _top(tally.types, _type_words),
        "pairs": _top(tally.pairs, lambda pair: (_pair_words(pair), "")),
        "endpoints": _top(tally.endpoints, lambda name: (name, "")),
        "hosts": _top(tally.hosts, lambda name: (name, "")),
    }


def _leaders(tally: Tally, metric: str) -> str:
    """The headline's "what on which host", from the same events: the top (type, host) pair, or the tied ones
    (``SQL injection on a and XSS on b, 4 attacks each``)."""
    ranked = _ranked(tally.pairs, _pair_words)
    if not ranked or ranked[0][0] == (_UNKNOWN, _UNKNOWN):
        return ""
    most = ranked[0][1]
    leaders = [_pair_words(pair) for pair, n in ranked if n == most]
    if len(leaders) == 1:
        return leaders[0]
    shown = leaders[:3] + ([f"{len(leaders) - 3} more"] if len(leaders) > 3 else [])
    return f"{joined(shown)}, {quantity(most, metric[:-1], metric)} each"


def _blocked(tally: Tally) -> list[tuple[str, str]]:
    """"12 of 40 attacks blocked, 28 only monitored": of the attacks the window counted."""
    if not tally.itemised:
        return []
    monitored = tally.itemised - tally.blocked
    if not monitored:
        return [("Blocked", f"all {quantity(tally.itemised, 'attack')} blocked")]
    if not tally.blocked:
        return [("Blocked", f"none of {quantity(tally.itemised, 'attack')}: all only monitored")]
    return [("Blocked", f"{number(tally.blocked)} of {quantity(tally.itemised, 'attack')} blocked, "
                        f"{number(monitored)} only monitored")]


def _what_to_do(condition: ThresholdCondition, rows: dict[str, list[Row]], tally: Tally) -> list[str]:
    """A few next steps: the top type's remediation, the sources to look at, monitored attacks to block, each
    following the events the window counted."""
    steps = []
    if rows["types"] and describe(rows["types"][0].code).remediation:
        steps.append(f"{rows['types'][0].name}: {describe(rows['types'][0].code).remediation}")
    if rows["ips"]:
        steps.append("Check the top source IPs: block or rate-limit those that are not yours.")
    if condition.metric != "incidents" and tally.itemised > tally.blocked:
        steps.append("Some attacks were only monitored and reached the application: consider blocking mode "
                     "for the endpoints listed.")
    return steps


def sent_label(timezone: str) -> str:
    """The real send (render) time in the tenant's zone, e.g. ``2026-11-25 11:00:07 (Europe/Berlin)``."""
    return local_time(clock.now(), timezone, f"%Y-%m-%d %H:%M:%S ({timezone})")


def condition_label(condition: ThresholdCondition) -> str:
    """``more than 26 attacks in one hour``, ``more than 1 incident in one day``, ``any incident in one day``."""
    metric = _METRIC_LABELS[condition.metric]
    what = f"any {metric[:-1]}" if condition.threshold == 0 else \
        f"more than {quantity(condition.threshold, metric[:-1], metric)}"
    return f"{what} in one {condition.interval}"


def _counted(condition: ThresholdCondition, tally: Tally) -> list[tuple[str, str]]:
    """The count, what it is made of, and, when the window had more events than it keeps details of, which of
    them the breakdowns cover."""
    facts = [("Count", f"{number(tally.count)} (when it fired)")]
    if condition.metric == "hits":
        facts.append(("Attacks", f"{number(tally.events)} ({quantity(tally.count, 'hit')})"))
    elif condition.metric == "attacks":
        facts.append(("Hits", number(tally.hits)))
    if tally.itemised < tally.events:
        noun = "incident" if condition.metric == "incidents" else "attack"
        facts.append(("Breakdown", f"the first {quantity(tally.itemised, noun)} of {number(tally.events)} "
                                   f"({quantity(tally.amount, condition.metric[:-1], condition.metric)}): a window "
                                   "keeps the details of its first events only"))
    return facts


def threshold(trigger: Trigger, tenant_name: str, timezone: str, tally: Tally, start: datetime,
              end: datetime) -> Content:
    condition = trigger.condition
    assert isinstance(condition, ThresholdCondition)
    metric = _METRIC_LABELS[condition.metric]
    rows = tops(tally)
    # the subject stays the same for every alert of the trigger (they thread); the headline names the top ones
    subject = f"Trigger “{trigger.name}”: {condition_label(condition)}"
    leaders = _leaders(tally, metric)
    headline = f"{subject} — {leaders}" if leaders else subject
    sent = sent_label(timezone)
    facts = [("Trigger", trigger.name), ("Metric", metric.capitalize()), *_counted(condition, tally),
             ("Threshold", condition_label(condition).rsplit(" in one ", 1)[0]),
             ("Window", window_label(start, end, timezone)), ("Sent", sent),
             *(_blocked(tally) if condition.metric != "incidents" else []), *filters_label(condition.filters)]
    sections = [("Top source IPs", rows["ips"]), ("Top attack types", rows["types"]),
                ("Top attack types by host", rows["pairs"]), ("Top endpoints", rows["endpoints"]),
                ("Top hosts", rows["hosts"])]
    return compose(_template(trigger), subject, tenant_name, f"Sent {sent}", headline=headline, facts=facts,
                   sections=sections, metric=metric, steps=_what_to_do(condition, rows, tally), snooze="alert")


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
                   rows=rows, users=users, trigger_name=trigger.name, timezone=timezone, admins=admins,
                   snooze="alert")
    # the page title stays the short subject; the mail's subject stays the same for the trigger's groups (they
    # thread), marked when a group grants admin access (those thread apart, in Gmail and Outlook)
    stem = f"Trigger “{trigger.name}”: {'new users added' if users else 'API changed'}"
    return replace(mail, subject=(ADMIN_MARK if admins else "") + stem)
