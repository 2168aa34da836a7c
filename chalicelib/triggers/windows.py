"""Pure trigger rules: window maths, what an event counts for, and filter matching."""

import hashlib
import ipaddress
import json
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import get_args

from chalicelib import clock
from chalicelib.models.events import EVENTS, AttackData, Event, IncidentData
from chalicelib.models.security import Counts, SecurityData
from chalicelib.models.triggers import INTERVAL_SECONDS, FilterRule, ThresholdCondition, TriggerFilters, TriggerMetric

# What each threshold metric and each other condition type counts: the registry says which event feeds which.
_FEEDS = {fed: event_type for event_type, kind in EVENTS.items() for fed in kind.triggers}
METRIC_EVENTS = {metric: _FEEDS[metric] for metric in get_args(TriggerMetric)}
GROUPED_EVENTS = {condition: event_type for condition, event_type in _FEEDS.items() if condition not in METRIC_EVENTS}
TRIGGER_EVENTS = frozenset(METRIC_EVENTS.values()) | frozenset(GROUPED_EVENTS.values())
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def window(interval: str, moment: datetime, timezone: str) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the ``interval`` window holding ``moment``, aligned in the tenant's time zone:
    a day runs midnight to midnight there (23 or 25 hours across a DST change); minutes and hours follow the
    zone's offset, so a +05:30 zone's hours start at :30 UTC. A moment beyond the calendar's ends
    (:func:`clock.clamp`) counts in the window of the nearest moment within them."""
    local = clock.local(moment, timezone)
    if interval == "day":
        start = datetime.combine(local.date(), time(), local.tzinfo)
        end = datetime.combine(local.date() + timedelta(days=1), time(), local.tzinfo)
        return start.astimezone(UTC), end.astimezone(UTC)
    size = timedelta(seconds=INTERVAL_SECONDS[interval])
    moment = clock.clamp(moment).astimezone(UTC)
    start = moment - (moment - _EPOCH + (local.utcoffset() or timedelta())) % size
    return start, start + size  # the clamped moment leaves two days of calendar after it


def revision(condition: ThresholdCondition) -> str:
    """Changes with the rule, so an edited condition counts from zero."""
    return hashlib.sha256(json.dumps(condition.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:12]


def amount(condition: ThresholdCondition, event: Event) -> int:
    """What ``event`` adds to the condition's metric (0: it does not count)."""
    if METRIC_EVENTS[condition.metric] != event.type:
        return 0
    details = event.details()
    if condition.metric == "hits":
        assert isinstance(details, AttackData)
        return details.hits
    return 1


def _texts(*values: object) -> list[str]:
    return [value for value in values if isinstance(value, str) and value]


def event_values(event: Event) -> dict[str, list[str]]:
    """The values of ``event`` each filter looks at."""
    details, data = event.details(), event.data
    if isinstance(details, AttackData):
        domains, types = _texts(details.host, data.get("domain")), _texts(details.type)
    elif isinstance(details, IncidentData):
        domains, types = _texts(details.host, details.domain), _texts(details.attack_type, details.type)
    else:
        domains, types = _texts(data.get("host"), data.get("domain")), _texts(data.get("type"))
    return {"domain": domains, "attack_type": types, "ip": _texts(data.get("ip")),
            "application": _texts(data.get("application"), data.get("pool"))}


def _equal(kind: str, wanted: str, value: str) -> bool:
    if kind == "ip":  # by value, so "::1" equals "0::1" and "10.0.0.7" is in "10.0.0.0/8"
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(wanted, strict=False)
        except ValueError:
            return False
    if kind == "domain":
        return wanted.casefold().rstrip(".") == value.casefold().rstrip(".")
    return wanted.casefold() == value.casefold()


def _rule_matches(kind: str, rule: FilterRule, values: list[str]) -> bool:
    found = any(_equal(kind, wanted, value) for wanted in rule.values for value in values)
    return not found if rule.exclude else found


def matches(filters: TriggerFilters, event: Event) -> bool:
    """Every filter given must hold; an event without the field matches "none of" and fails "any of"."""
    rules = {kind: rule for kind, rule in filters if rule is not None}
    if not rules:
        return True
    values = event_values(event)
    return all(_rule_matches(kind, rule, values[kind]) for kind, rule in rules.items())


def wanted(filters: TriggerFilters, kind: str, value: str) -> bool:
    """Whether one value of ``kind`` (a host, a type, an IP) passes the trigger's filter of that kind."""
    rule = getattr(filters, kind)
    return rule is None or _rule_matches(kind, rule, [value])


def narrowed(filters: TriggerFilters, data: SecurityData) -> SecurityData:
    """``data`` as the trigger sees it: breakdowns and incidents its filters exclude left out (an endpoint by its
    host). Totals and blocked counts stay as they are: the hourly store does not keep them per filter value."""
    def keep(kind: str, counts: dict[str, Counts], key: Callable[[str], str] = str) -> dict[str, Counts]:
        return {name: amount for name, amount in counts.items() if wanted(filters, kind, key(name))}

    def host_of(endpoint: str) -> str:
        return endpoint.split(" ", 1)[0]

    return data.model_copy(update={
        "aggregates": [aggregate.model_copy(update={
            "hosts": keep("domain", aggregate.hosts), "types": keep("attack_type", aggregate.types),
            "ips": keep("ip", aggregate.ips), "endpoints": keep("domain", aggregate.endpoints, host_of),
        }) for aggregate in data.aggregates],
        "incidents": [incident for incident in data.incidents if wanted(filters, "domain", incident.host)
                      and wanted(filters, "attack_type", incident.attack_type)],
    })


def crossed(threshold: int, old: int, new: int) -> bool:
    """The one update that takes the count above ``threshold`` (every update returns a distinct range)."""
    return old <= threshold < new
