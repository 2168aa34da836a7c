"""Trigger state in the counters table (``key`` + ``bucket``, TTL ``expires_at``).

- ``trigger#<tenant>#<trigger>#<revision>`` / ``<window start>`` — a threshold trigger's count in one window,
  one atomic ADD per matching event (the revision changes with the condition, so a new rule starts at zero).
  ``.../<window start>#tally`` — the breakdown of the events that make up the count when it fired: written only
  by those, so it never changes after the firing and the alert's every figure describes the same events.
- ``tgroup#<tenant>#<trigger>`` / ``open`` — the event trigger's open group: the events waiting to go out
  in one email; ``.../closed#<group id>`` — a group taken for sending, until it is sent.
"""

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import is_condition_failure, plain, to_attribute_values, transact
from chalicelib.models.triggers import Counted, Tally
from chalicelib.settings import get_settings

_OPEN = "open"
_CLOSE_TRIES = 10
# Tally attributes: a prefix per breakdown, then the name (a pair is a JSON [type, host]).
_TALLY = {"types": "t:", "hosts": "h:", "pairs": "p:", "ips": "i:", "endpoints": "e:"}
_COUNTRY = "c:"
# A tally write of an earlier event may still be on its way when the crossing one reads: wait this long at most.
_TALLY_WAITS = (0.02, 0.05, 0.1, 0.2, 0.4)


def _table() -> Any:
    return table(get_settings().counters_table)


def _window_key(tenant_id: str, trigger_id: str, revision: str, window_start: datetime) -> dict[str, str]:
    return {"key": f"trigger#{tenant_id}#{trigger_id}#{revision}", "bucket": window_start.isoformat()}


def add(tenant_id: str, trigger_id: str, revision: str, window_start: datetime, window_end: datetime,
        amount: int) -> tuple[int, int, int]:
    """Add ``amount`` to the trigger's count for the window, and one event; ``(old count, new count, events)`` as
    the one atomic update saw them (``events``: this event's place in the window, from 1)."""
    response = _table().update_item(
        Key=_window_key(tenant_id, trigger_id, revision, window_start),
        UpdateExpression="ADD #count :amount, events :one SET expires_at = :expires",
        ExpressionAttributeNames={"#count": "count"},
        ExpressionAttributeValues={":amount": amount, ":one": 1, ":expires": _expires(window_end)},
        ReturnValues="UPDATED_NEW",
    )
    new = int(response["Attributes"]["count"])
    return new - amount, new, int(response["Attributes"]["events"])


def itemise(tenant_id: str, trigger_id: str, revision: str, window_start: datetime, window_end: datetime,
            counted: Counted) -> None:
    """Add one event of the count to the window's tally (its breakdowns), in one atomic update."""
    increments = {"itemised": 1, "amount": counted.amount, "hits": counted.hits, "blocked": int(counted.blocked),
                  _TALLY["types"] + counted.type: counted.amount, _TALLY["hosts"] + counted.host: counted.amount,
                  _TALLY["pairs"] + json.dumps([counted.type, counted.host]): counted.amount}
    if counted.ip:
        increments[_TALLY["ips"] + counted.ip] = counted.amount
    if counted.endpoint:
        increments[_TALLY["endpoints"] + counted.endpoint] = counted.amount
    names = {f"#n{i}": name for i, name in enumerate(increments)}
    values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(increments.values())}
    sets = ["expires_at = :expires"]
    values[":expires"] = _expires(window_end)
    if counted.ip and counted.country:
        names["#country"], values[":country"] = _COUNTRY + counted.ip, counted.country
        sets.append("#country = :country")
    key = _window_key(tenant_id, trigger_id, revision, window_start)
    _table().update_item(Key={**key, "bucket": key["bucket"] + "#tally"},
                         UpdateExpression=f"ADD {', '.join(f'#n{i} :v{i}' for i in range(len(increments)))} "
                                          f"SET {', '.join(sets)}",
                         ExpressionAttributeNames=names, ExpressionAttributeValues=values)


def _as_tally(item: dict[str, Any], count: int, events: int) -> Tally:
    item = plain(item)
    found: dict[str, Any] = {dimension: {} for dimension in _TALLY}
    countries = {}
    for name, value in item.items():
        if name.startswith(_COUNTRY):
            countries[name[len(_COUNTRY):]] = value
        for dimension, prefix in _TALLY.items():
            if name.startswith(prefix):
                found[dimension][tuple(json.loads(name[2:])) if dimension == "pairs" else name[2:]] = int(value)
    return Tally(count=count, events=events, itemised=int(item.get("itemised", 0)), amount=int(item.get("amount", 0)),
                 hits=int(item.get("hits", 0)), blocked=int(item.get("blocked", 0)), ip_countries=countries, **found)


def tally(tenant_id: str, trigger_id: str, revision: str, window_start: datetime, count: int, events: int,
          expected: int) -> Tally:
    """The window's tally once ``expected`` events are in it (the firing event's predecessors may still be
    writing theirs: a short bounded wait), with the firing ``count`` and ``events``."""
    key = _window_key(tenant_id, trigger_id, revision, window_start)
    key["bucket"] += "#tally"
    for wait in (*_TALLY_WAITS, None):
        item = _table().get_item(Key=key, ConsistentRead=True).get("Item") or {}
        if int(item.get("itemised", 0)) >= expected or wait is None:
            return _as_tally(item, count, events)
        time.sleep(wait)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Group:
    """Events of one trigger that go out in one email."""

    group_id: str
    opened_at: datetime
    size: int
    entries: list[dict[str, Any]]


def _group_key(tenant_id: str, trigger_id: str) -> str:
    return f"tgroup#{tenant_id}#{trigger_id}"


def _group(item: dict[str, Any]) -> Group:
    item = plain(item)
    return Group(item["group_id"], datetime.fromisoformat(item["opened_at"]), item["n_entries"], item["entries"])


def _expires(moment: datetime) -> int:
    return clock.expiry(moment, timedelta(days=get_settings().trigger_counter_ttl_days))


def append(tenant_id: str, trigger_id: str, entry: dict[str, Any], new_group_id: str, now: datetime,
           max_size: int) -> Group | None:
    """Add ``entry`` to the trigger's open group, opening one (as ``new_group_id``) if none is open.
    Returns the group as stored after this update (``size == 1``: this call opened it); ``None`` if it is full."""
    try:
        response = _table().update_item(
            Key={"key": _group_key(tenant_id, trigger_id), "bucket": _OPEN},
            UpdateExpression="SET entries = list_append(if_not_exists(entries, :empty), :entry), "
                             "group_id = if_not_exists(group_id, :gid), opened_at = if_not_exists(opened_at, :now), "
                             "expires_at = :expires ADD n_entries :one",
            ConditionExpression="attribute_not_exists(n_entries) OR n_entries < :max",
            ExpressionAttributeValues={":empty": [], ":entry": [entry], ":gid": new_group_id,
                                       ":now": now.isoformat(), ":expires": _expires(now), ":one": 1,
                                       ":max": max_size},
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if is_condition_failure(error):
            return None
        raise
    return _group(response["Attributes"])


def open_group(tenant_id: str, trigger_id: str) -> Group | None:
    item = _table().get_item(Key={"key": _group_key(tenant_id, trigger_id), "bucket": _OPEN},
                             ConsistentRead=True).get("Item")
    return _group(item) if item else None


def closed_group(tenant_id: str, trigger_id: str, group_id: str) -> Group | None:
    item = _table().get_item(Key={"key": _group_key(tenant_id, trigger_id), "bucket": f"closed#{group_id}"},
                             ConsistentRead=True).get("Item")
    return _group(item) if item else None


def close(tenant_id: str, trigger_id: str, group_id: str, now: datetime) -> Group | None:
    """Take the open group ``group_id`` for sending: it moves to ``closed#<id>`` in one transaction, so an event
    is either in it or opens the next group. Returns it, or ``None`` if it is no longer open."""
    key = _group_key(tenant_id, trigger_id)
    name = get_settings().counters_table
    for _ in range(_CLOSE_TRIES):
        group = open_group(tenant_id, trigger_id)
        if group is None or group.group_id != group_id:
            return None
        closed = {"key": key, "bucket": f"closed#{group_id}", "group_id": group_id,
                  "opened_at": group.opened_at.isoformat(), "n_entries": group.size, "entries": group.entries,
                  "expires_at": _expires(now)}
        reasons = transact([
            {"Delete": {"TableName": name, "Key": to_attribute_values({"key": key, "bucket": _OPEN}),
                        "ConditionExpression": "group_id = :gid AND n_entries = :size",
                        "ExpressionAttributeValues": to_attribute_values({":gid": group_id, ":size": group.size})}},
            {"Put": {"TableName": name, "Item": to_attribute_values(closed)}},
        ])
        if reasons is None:
            return group
    raise RuntimeError(f"could not close group {group_id}: events keep arriving")


def drop_closed(tenant_id: str, trigger_id: str, group_id: str) -> None:
    _table().delete_item(Key={"key": _group_key(tenant_id, trigger_id), "bucket": f"closed#{group_id}"})
