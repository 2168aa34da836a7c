"""Report schedules in the reports table: one ``schedule#<frequency>[@<hour>]`` item per (tenant, frequency,
report hour) that an integration subscribes to (``stores.schedules.schedule_name``: hour 0 keeps the plain name),
with ``due_at`` (UTC) when the scheduler must next look at it.

The sparse ``due`` index (``due_shard`` + ``due_at``, keys only) lets the hourly scheduler read just what is
due: a quiet hour is one Query per shard, whatever the number of tenants. ``subscription`` changes with
every subscribe, so a removal that raced a new subscription fails instead of dropping its schedule.
"""

import uuid
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.aws import due_index
from chalicelib.aws.clients import table
from chalicelib.aws.due_index import stamp
from chalicelib.aws.dynamo import written
from chalicelib.settings import get_settings
from chalicelib.stores.schedules import Due, parse_name, schedule_name

PREFIX = "schedule#"
SHARD_PREFIX = "due#"
AT_ONCE = "0000-00-00T00:00:00Z"  # before every stamp: due at the next firing, whatever the clocks say
PLACED = "0001"  # after AT_ONCE and before every stamp: the schedules that have a report time


def _table() -> Any:
    return table(get_settings().reports_table)


def _key(tenant_id: str, frequency: str, hour: int = 0) -> dict[str, str]:
    return {"tenant_id": tenant_id, "sk": PREFIX + schedule_name(frequency, hour)}


def shard(tenant_id: str) -> str:
    return due_index.shard(SHARD_PREFIX, tenant_id)


def subscribe(tenant_id: str, frequency: str, first_due: datetime | None = None, hour: int = 0) -> None:
    """Make sure the schedule exists; a new one is due at ``first_due``, or at once, an existing one keeps its
    time."""
    _table().update_item(
        Key=_key(tenant_id, frequency, hour),
        UpdateExpression="SET due_at = if_not_exists(due_at, :due), due_shard = :shard, subscription = :token",
        ExpressionAttributeValues={":due": stamp(first_due) if first_due else AT_ONCE, ":shard": shard(tenant_id),
                                   ":token": uuid.uuid4().hex},
    )


def subscription(tenant_id: str, frequency: str, hour: int = 0) -> str | None:
    """The schedule's subscription token, or ``None`` when there is no schedule."""
    item = _table().get_item(Key=_key(tenant_id, frequency, hour), ConsistentRead=True,
                             ProjectionExpression="subscription").get("Item")
    return item["subscription"] if item else None


def remove(tenant_id: str, frequency: str, token: str | None = None, hour: int = 0) -> bool:
    """Delete the schedule (only while its subscription is still ``token``, when given); ``False`` if not."""
    params: dict[str, Any] = {"Key": _key(tenant_id, frequency, hour)}
    if token is not None:
        params |= {"ConditionExpression": "subscription = :token", "ExpressionAttributeValues": {":token": token}}
    return written(_table().delete_item, **params)


def make_due(tenant_id: str, frequencies: tuple[str, ...]) -> None:
    """Make the tenant's existing schedules of ``frequencies``, at every report hour, due at once (its time zone
    changed): one Query finds them (a handful of keys), one conditional write each."""
    found = _table().query(KeyConditionExpression=Key("tenant_id").eq(tenant_id) & Key("sk").begins_with(PREFIX),
                           ProjectionExpression="sk", ConsistentRead=True)["Items"]
    for item in found:
        if parse_name(str(item["sk"]).removeprefix(PREFIX))[0] in frequencies:
            written(_table().update_item, Key={"tenant_id": tenant_id, "sk": item["sk"]},
                    UpdateExpression="SET due_at = :due", ConditionExpression="attribute_exists(sk)",
                    ExpressionAttributeValues={":due": AT_ONCE})


def due_page(shard_key: str, now: datetime, limit: int, start: dict[str, Any] | None = None,
             placed: bool = False) -> tuple[list[Due], dict[str, Any] | None]:
    """Up to ``limit`` schedules of one shard due at ``now`` (``placed``: not those due at once), and where the next
    page starts (or ``None``)."""
    items, more = due_index.query(shard_key, now, limit, start, PLACED if placed else None)
    named = [(item, parse_name(item["sk"].removeprefix(PREFIX))) for item in items]
    return [Due(item["tenant_id"], frequency, item["due_at"], hour) for item, (frequency, hour) in named], more


def overdue(until: datetime, limit: int) -> list[Due]:
    """Up to ``limit`` schedules, across the shards, due at or before ``until`` that have a report time (not those
    due at once), oldest first: one Query per shard until ``limit`` are found."""
    found: list[Due] = []
    for shard_key in due_index.shards(SHARD_PREFIX):
        found += due_page(shard_key, until, limit - len(found), placed=True)[0]
        if len(found) == limit:
            break
    return sorted(found, key=lambda due: due.due_at)


def advance(moves: list[tuple[Due, datetime]]) -> None:
    """Move each schedule to its next due time, only if nobody moved it since it was read (a time-zone change
    in between keeps the tenant's schedules due at once). One conditional write each: 1 WRU, where a
    transaction of 100 would take 2 per item."""
    for due, next_due in moves:
        written(_table().update_item, Key=_key(due.tenant_id, due.frequency, due.hour),
                UpdateExpression="SET due_at = :next",
                ConditionExpression="due_at = :seen",
                ExpressionAttributeValues={":next": stamp(next_due), ":seen": due.due_at})
