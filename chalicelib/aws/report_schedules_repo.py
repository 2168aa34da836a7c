"""Report schedules in the reports table: one ``schedule#<frequency>`` item per (tenant, frequency) that an
integration subscribes to, with ``due_at`` (UTC) when the scheduler must next look at it.

The sparse ``due`` index (``due_shard`` + ``due_at``, keys only) lets the hourly scheduler read just what is
due: a quiet hour is one Query per shard, whatever the number of tenants. ``subscription`` changes with
every subscribe, so a removal that raced a new subscription fails instead of dropping its schedule.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.aws import due_index
from chalicelib.aws.clients import table
from chalicelib.aws.due_index import stamp
from chalicelib.aws.dynamo import written
from chalicelib.settings import get_settings

PREFIX = "schedule#"
SHARD_PREFIX = "due#"
AT_ONCE = "0000-00-00T00:00:00Z"  # before every stamp: due at the next firing, whatever the clocks say


@dataclass(frozen=True)
class Due:
    """A schedule item found due: whose, which frequency, and the ``due_at`` it was found with."""

    tenant_id: str
    frequency: str
    due_at: str


def _table() -> Any:
    return table(get_settings().reports_table)


def _key(tenant_id: str, frequency: str) -> dict[str, str]:
    return {"tenant_id": tenant_id, "sk": PREFIX + frequency}


def shard(tenant_id: str) -> str:
    return due_index.shard(SHARD_PREFIX, tenant_id)


def subscribe(tenant_id: str, frequency: str, first_due: datetime | None = None) -> None:
    """Make sure the schedule exists; a new one is due at ``first_due``, or at once, an existing one keeps its
    time."""
    _table().update_item(
        Key=_key(tenant_id, frequency),
        UpdateExpression="SET due_at = if_not_exists(due_at, :due), due_shard = :shard, subscription = :token",
        ExpressionAttributeValues={":due": stamp(first_due) if first_due else AT_ONCE, ":shard": shard(tenant_id),
                                   ":token": uuid.uuid4().hex},
    )


def subscription(tenant_id: str, frequency: str) -> str | None:
    """The schedule's subscription token, or ``None`` when there is no schedule."""
    item = _table().get_item(Key=_key(tenant_id, frequency), ConsistentRead=True,
                             ProjectionExpression="subscription").get("Item")
    return item["subscription"] if item else None


def remove(tenant_id: str, frequency: str, token: str | None = None) -> bool:
    """Delete the schedule (only while its subscription is still ``token``, when given); ``False`` if not."""
    params: dict[str, Any] = {"Key": _key(tenant_id, frequency)}
    if token is not None:
        params |= {"ConditionExpression": "subscription = :token", "ExpressionAttributeValues": {":token": token}}
    return written(_table().delete_item, **params)


def make_due(tenant_id: str, frequencies: tuple[str, ...]) -> None:
    """Make the tenant's existing schedules due at once (its time zone changed)."""
    for frequency in frequencies:
        written(_table().update_item, Key=_key(tenant_id, frequency), UpdateExpression="SET due_at = :due",
                ConditionExpression="attribute_exists(sk)", ExpressionAttributeValues={":due": AT_ONCE})


def due_page(shard_key: str, now: datetime, limit: int,
             start: dict[str, Any] | None = None) -> tuple[list[Due], dict[str, Any] | None]:
    """Up to ``limit`` schedules of one shard due at ``now``, and where the next page starts (or ``None``)."""
    items, more = due_index.query(shard_key, now, limit, start)
    return [Due(item["tenant_id"], item["sk"].removeprefix(PREFIX), item["due_at"]) for item in items], more


def advance(moves: list[tuple[Due, datetime]]) -> None:
    """Move each schedule to its next due time, only if nobody moved it since it was read (a time-zone change
    in between keeps the tenant's schedules due at once). One conditional write each: 1 WRU, where a
    transaction of 100 would take 2 per item."""
    for due, next_due in moves:
        written(_table().update_item, Key=_key(due.tenant_id, due.frequency), UpdateExpression="SET due_at = :next",
                ConditionExpression="due_at = :seen",
                ExpressionAttributeValues={":next": stamp(next_due), ":seen": due.due_at})
