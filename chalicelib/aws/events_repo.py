"""The event log (``stores.events.EventStore``) on the events table: one item per (tenant, event id), so ingest is
idempotent on the id, and the routing claim that lets exactly one worker route an id at a time.

A claim (``stores.events.Claim``) is written with the event when it is recorded (so a new event costs no extra
write) or taken later by :func:`claim`; its holder can hand it to the route worker by naming it in the route message."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import (
    batch_get_one,
    cancellation_reasons,
    from_attribute_values,
    is_condition_failure,
    plain,
    put_op,
    written,
)
from chalicelib.models.events import Event
from chalicelib.settings import get_settings
from chalicelib.stores.events import Claim, StoredEvent


def _table() -> Any:
    return table(get_settings().events_table)


def _pk(tenant_id: str, event_id: str) -> str:
    return f"{tenant_id}#{event_id}"


def _item(tenant_id: str, event: Event, received_at: datetime, held: Claim | None) -> dict[str, Any]:
    # The event as a JSON string, not a map: its data's own nesting then never meets DynamoDB's 32-level limit,
    # and floats need no Decimal.
    claimed = {"claimed_by": held.holder, "claimed_until": _epoch(held.until)} if held else {}
    return {"pk": _pk(tenant_id, event.id), "tenant_id": tenant_id, "event": event.model_dump_json(),
            "received_at": received_at.isoformat(), "routed": False, **claimed,
            "expires_at": clock.expiry(received_at, timedelta(days=get_settings().event_ttl_days))}


def _stored(item: dict[str, Any]) -> StoredEvent:
    return StoredEvent(Event.model_validate_json(item["event"]), datetime.fromisoformat(item["received_at"]),
                       bool(item.get("routed")))


def record_all(tenant_id: str, events: list[Event], received_at: datetime,
               held: Claim | None = None) -> list[tuple[bool, StoredEvent]]:
    """:func:`record` for up to 100 events of distinct ids, in one transaction: a seen id fails its condition and
    comes back as stored, and the new ones are written again without it; under a conflicting concurrent write,
    one by one."""
    items = [_item(tenant_id, event, received_at, held) for event in events]
    results: dict[int, tuple[bool, StoredEvent]] = {}
    pending = list(range(len(items))) if len(items) > 1 else []
    while pending:
        ops = [{"Put": {**put_op(_table().name, items[n], "attribute_not_exists(pk)")["Put"],
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}} for n in pending]
        reasons = cancellation_reasons(ops)
        if reasons is None:
            results.update((n, (True, _stored(items[n]))) for n in pending)
            break
        if any(reason.get("Code", "None") not in ("None", "ConditionalCheckFailed") for reason in reasons):
            break
        seen = {n: reason for n, reason in zip(pending, reasons, strict=True)
                if reason.get("Code") == "ConditionalCheckFailed"}
        results.update((n, (False, _stored(from_attribute_values(reason["Item"])))) for n, reason in seen.items())
        pending = [n for n in pending if n not in seen]
    return [results[n] if n in results else record(tenant_id, events[n], received_at, held)
            for n in range(len(items))]


def record(tenant_id: str, event: Event, received_at: datetime,
           held: Claim | None = None) -> tuple[bool, StoredEvent]:
    """Store the event once, claimed by ``held`` when given; ``(True, item)`` if new, ``(False, stored item)`` if
    its id was seen (then the claim is not taken)."""
    item = _item(tenant_id, event, received_at, held)
    try:
        _table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    except ClientError as error:
        if not is_condition_failure(error):
            raise
        return False, get(tenant_id, event.id) or _stored(item)
    return True, _stored(item)


def get(tenant_id: str, event_id: str) -> StoredEvent | None:
    """The kept event, read consistently."""
    stored = _table().get_item(Key={"pk": _pk(tenant_id, event_id)}, ConsistentRead=True).get("Item")
    return _stored(plain(stored)) if stored else None


def get_many(tenant_id: str, event_ids: list[str]) -> dict[str, StoredEvent]:
    """:func:`get` for several events of the tenant in one consistent BatchGetItem: event id → event, the kept ones."""
    prefix = _pk(tenant_id, "")
    items = batch_get_one(_table().name, [{"pk": _pk(tenant_id, event_id)} for event_id in event_ids])
    return {item["pk"].removeprefix(prefix): _stored(item) for item in items}


def claim(tenant_id: str, event_id: str, now: datetime, taken: Claim, handed: str | None = None) -> bool:
    """Take the right to route the event (``taken``): only while it is unrouted and nobody else's claim runs, or its
    holder ``handed`` it over (one conditional write, so of any number of concurrent callers exactly one wins). A
    claim that expired (its router died) can be taken again: nothing accepted is lost."""
    return written(_table().update_item, Key={"pk": _pk(tenant_id, event_id)},
                   UpdateExpression="SET claimed_until = :until, claimed_by = :by",
                   ConditionExpression="attribute_exists(pk) AND routed = :f AND (attribute_not_exists(claimed_until) "
                                       "OR claimed_until <= :now OR claimed_by = :handed)",
                   ExpressionAttributeValues={":until": _epoch(taken.until), ":by": taken.holder,
                                              ":now": _epoch(now), ":f": False, ":handed": handed or "-"})


def _epoch(moment: datetime) -> Decimal:
    return Decimal(str(round(moment.timestamp(), 3)))


def mark_routed(tenant_id: str, event_id: str) -> None:
    _table().update_item(Key={"pk": _pk(tenant_id, event_id)}, UpdateExpression="SET routed = :t",
                         ExpressionAttributeValues={":t": True})
