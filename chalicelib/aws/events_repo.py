"""Events table: one item per (tenant, event id), so ingest is idempotent on the id, and the routing claim that lets
exactly one worker route an id at a time."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import is_condition_failure, plain, written
from chalicelib.models.events import Event
from chalicelib.settings import get_settings


def _table() -> Any:
    return table(get_settings().events_table)


def _pk(tenant_id: str, event_id: str) -> str:
    return f"{tenant_id}#{event_id}"


def record(tenant_id: str, event: Event, received_at: datetime) -> tuple[bool, dict[str, Any]]:
    """Store the event once; ``(True, item)`` if new, ``(False, stored item)`` if its id was seen."""
    # The event as a JSON string, not a map: its data's own nesting then never meets DynamoDB's 32-level limit,
    # and floats need no Decimal.
    item = {"pk": _pk(tenant_id, event.id), "tenant_id": tenant_id, "event": event.model_dump_json(),
            "received_at": received_at.isoformat(), "routed": False,
            "expires_at": clock.expiry(received_at, timedelta(days=get_settings().event_ttl_days))}
    try:
        _table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    except ClientError as error:
        if not is_condition_failure(error):
            raise
        return False, get(tenant_id, event.id) or item
    return True, item


def get(tenant_id: str, event_id: str) -> dict[str, Any] | None:
    """The stored event's item (``event`` JSON, ``received_at``, ``routed``, ``claimed_until`` in epoch
    seconds), if kept."""
    stored = _table().get_item(Key={"pk": _pk(tenant_id, event_id)}, ConsistentRead=True).get("Item")
    return plain(stored) if stored else None


def claim(tenant_id: str, event_id: str, now: datetime, until: datetime) -> bool:
    """Take the right to route the event until ``until``: only while it is unrouted and nobody else's claim runs
    (one conditional write, so of any number of concurrent callers exactly one wins). A claim that expired (its
    router died) can be taken again: nothing accepted is lost."""
    return written(_table().update_item, Key={"pk": _pk(tenant_id, event_id)},
                   UpdateExpression="SET claimed_until = :until",
                   ConditionExpression="attribute_exists(pk) AND routed = :f AND "
                                       "(attribute_not_exists(claimed_until) OR claimed_until <= :now)",
                   ExpressionAttributeValues={":until": _epoch(until), ":now": _epoch(now), ":f": False})


def _epoch(moment: datetime) -> Decimal:
    return Decimal(str(round(moment.timestamp(), 3)))


def mark_routed(tenant_id: str, event_id: str) -> None:
    _table().update_item(Key={"pk": _pk(tenant_id, event_id)}, UpdateExpression="SET routed = :t",
                         ExpressionAttributeValues={":t": True})
