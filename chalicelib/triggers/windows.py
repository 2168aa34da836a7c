"""Pure trigger rules: window maths, what an event counts for, and filter matching."""

import hashlib
import ipaddress
import json
from datetime import UTC, datetime, time, timedelta
from typing import get_args

from chalicelib import clock
from chalicelib.aws.security_attacks import endpoint, label
from chalicelib.models.events import EVENTS, AttackData, Event, IncidentData
from chalicelib.models.triggers import (
    INTERVAL_SECONDS,
    Counted,
    FilterRule,
    ThresholdCondition,
    TriggerFilters,
    TriggerMetric,
)

# What each threshold metric and each other condition type counts: the registry says which event feeds which.
_FEEDS = {fed: event_type for event_type, kind in EVENTS.items() for fed in kind.triggers}
METRIC_EVENTS = {metric: _FEEDS[metric] for metric in get_args(TriggerMetric)}
GROUPED_EVENTS = {condition: event_type for condition, event_type in _FEEDS.items() if condition not in METRIC_EVENTS}
TRIGGER_EVENTS = frozenset(METRIC_EVENTS.values()) | frozenset(GROUPED_EVENTS.values())
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How late an event may arrive after its window closed and still count in it: a platform's send queue and our
# ingest retries take seconds to a few minutes; a backfill of older events is history, not a current alert.
LATENESS = timedelta(minutes=5)
# A window keeps the details (types, hosts, IPs…) of its first this many events, so its item and the cost of each
# write stay bounded; the alert says when it broke down fewer events than it counted.
ITEMISED = 200


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


def counted_window(interval: str, event_time: datetime, received_at: datetime,
                   timezone: str) -> tuple[datetime, datetime] | None:
    """The window an event counts in: the one holding its own time (a time ahead of its receipt, a producer's
    clock skew, counts as received); ``None`` when that window had closed more than :data:`LATENESS` before the
    event arrived, so a late or backfilled event never fires a current window."""
    start, end = window(interval, min(event_time, received_at), timezone)
    return (start, end) if received_at < end + LATENESS else None


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


def counted(condition: ThresholdCondition, event: Event) -> Counted:
    """What ``event`` adds to a window of ``condition`` and what an alert breaks it down by."""
    details = event.details()
    if isinstance(details, AttackData):
        return Counted(amount=amount(condition, event), hits=details.hits, blocked=bool(details.blocked),
                       type=label(details.type), host=label(details.host), ip=details.ip, country=details.country,
                       endpoint=endpoint(details.host, details.path))
    assert isinstance(details, IncidentData)
    return Counted(amount=1, type=label(details.attack_type or details.type or ""),
                   host=label(details.host or details.domain or ""))


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


def rule_matches(kind: str, rule: FilterRule, values: list[str]) -> bool:
    """Whether an event with ``values`` of the field ``kind`` passes ``rule``."""
    found = any(_equal(kind, wanted, value) for wanted in rule.values for value in values)
    return not found if rule.exclude else found


def matches(filters: TriggerFilters, event: Event) -> bool:
    """Every filter given must hold; an event without the field matches "none of" and fails "any of"."""
    rules = {kind: rule for kind, rule in filters if rule is not None}
    if not rules:
        return True
    values = event_values(event)
    return all(rule_matches(kind, rule, values[kind]) for kind, rule in rules.items())


def crossed(threshold: int, old: int, new: int) -> bool:
    """The one update that takes the count above ``threshold`` (every update returns a distinct range)."""
    return old <= threshold < new
