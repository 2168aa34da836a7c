"""Digests in the reports table (``tenant_id`` + ``sk``, TTL ``expires_at``): the periodic mails' other kind.

- ``digest#<integration>#<frequency>#<period start>`` — one *due* item per (integration, period) with entries:
  ``due_at`` is the period's end; it is in the table's sparse ``due`` index (keys only) under its own shards
  (``digest#<n>``, beside the report schedules' ``due#<n>``), so the digest pass reads only periods with something
  to send, and the key alone tells it what to send.
- ``<that key>#<source id>`` — one *entry* per notification: written once per source, so a redelivered event is
  listed once.

Period starts are UTC stamps: a repeated local hour (DST) is two periods, as it is two hours.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib import clock
from chalicelib.aws import due_index
from chalicelib.aws.clients import table
from chalicelib.aws.due_index import stamp
from chalicelib.aws.dynamo import put_op, query_all, to_attribute_values, transact
from chalicelib.models.digests import DigestEntry
from chalicelib.settings import get_settings

PREFIX = "digest#"
KEPT = timedelta(days=3)  # after the period's end: enough for a late pass, then TTL removes the entries
_PER_TRANSACTION = 50  # two writes per integration, within a transaction's 100
_TRIES = 5


@dataclass(frozen=True)
class Due:
    """A period found due: whose, which integration, how often, its start and end (UTC stamps)."""

    tenant_id: str
    integration_id: str
    frequency: str
    start: str
    due_at: str

    @property
    def sk(self) -> str:
        return _period_key(self.integration_id, self.frequency, self.start)


@dataclass(frozen=True)
class Slot:
    """Where an entry goes: an integration's period (UTC start and end)."""

    integration_id: str
    frequency: str
    start: datetime
    end: datetime


def _name() -> str:
    return get_settings().reports_table


def shard(integration_id: str) -> str:
    return due_index.shard(PREFIX, integration_id)


def _period_key(integration_id: str, frequency: str, start: str) -> str:
    return f"{PREFIX}{integration_id}#{frequency}#{start}"


def _ops(tenant_id: str, slot: Slot, entry: DigestEntry) -> list[dict[str, Any]]:
    period = _period_key(slot.integration_id, slot.frequency, stamp(slot.start))
    expires = clock.expiry(slot.end, KEPT)
    item = {"tenant_id": tenant_id, "sk": f"{period}#{entry.source_id}", **entry.model_dump(mode="json"),
            "expires_at": expires}
    due = {"TableName": _name(), "Key": to_attribute_values({"tenant_id": tenant_id, "sk": period}),
           "UpdateExpression": "SET due_at = :end, due_shard = :shard, expires_at = :expires",
           "ExpressionAttributeValues": to_attribute_values({
               ":end": stamp(slot.end), ":shard": shard(slot.integration_id), ":expires": expires})}
    return [put_op(_name(), item, "attribute_not_exists(sk)"), {"Update": due}]


def collect(tenant_id: str, slots: list[Slot], entry: DigestEntry) -> int:
    """Add ``entry`` to each slot's period and make the period due at its end, both in one transaction (50
    integrations per request); a slot that already holds the entry is left as it is, and a write that conflicted
    with another event's on the same period is tried again. Returns the entries added."""
    added = 0
    for first in range(0, len(slots), _PER_TRANSACTION):
        todo = slots[first:first + _PER_TRANSACTION]
        for _ in range(_TRIES):
            reasons = transact(op for slot in todo for op in _ops(tenant_id, slot, entry))
            if reasons is None:
                added += len(todo)
                break
            todo = [slot for n, slot in enumerate(todo) if reasons[2 * n] != "ConditionalCheckFailed"]
            if not todo:
                break
        else:
            raise RuntimeError(f"digest entry {entry.source_id!r} still not written after {_TRIES} tries: {reasons}")
    return added


def due_page(shard_key: str, now: datetime, limit: int) -> list[Due]:
    """Up to ``limit`` periods of one shard whose end is at or before ``now``, oldest first."""
    found = []
    for item in due_index.query(shard_key, now, limit)[0]:
        integration_id, frequency, start = item["sk"].removeprefix(PREFIX).rsplit("#", 2)
        found.append(Due(item["tenant_id"], integration_id, frequency, start, item["due_at"]))
    return found


def entries(due: Due) -> list[DigestEntry]:
    """Every entry of the period, consistently read."""
    prefix = due.sk + "#"
    return [DigestEntry.model_validate(item) for item in query_all(
        table(_name()), ConsistentRead=True,
        KeyConditionExpression=Key("tenant_id").eq(due.tenant_id) & Key("sk").begins_with(prefix))]


def waiting(tenant_id: str, integration_id: str) -> dict[Due, int]:
    """The integration's periods not mailed yet (still in the due index), each with its number of entries: what
    its next digests will list. Reads keys only."""
    periods: dict[tuple[str, ...], str] = {}
    counts: dict[tuple[str, ...], int] = {}
    for item in query_all(table(_name()), ProjectionExpression="sk, due_at",
                          KeyConditionExpression=Key("tenant_id").eq(tenant_id)
                          & Key("sk").begins_with(f"{PREFIX}{integration_id}#")):
        parts = item["sk"].removeprefix(PREFIX).split("#", 3)  # integration, frequency, start[, source id]
        if len(parts) == 3 and "due_at" in item:
            periods[tuple(parts)] = item["due_at"]
        elif len(parts) == 4:
            counts[tuple(parts[:3])] = counts.get(tuple(parts[:3]), 0) + 1
    return {Due(tenant_id, *key, due_at): counts.get(key, 0) for key, due_at in periods.items()}


def done(due: Due) -> None:
    """Take the period out of the index; its entries expire with their TTL."""
    table(_name()).delete_item(Key={"tenant_id": due.tenant_id, "sk": due.sk})
