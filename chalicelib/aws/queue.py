"""SQS adapter: the queues carry ids and try numbers, never documents.

Every message of a tenant carries the tenant as ``MessageGroupId``: on standard queues that makes them SQS fair
queues (AWS docs, "Amazon SQS fair queues"), so one tenant's backlog does not hold up another tenant's messages."""

import json
import math
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from chalicelib.aws.clients import client
from chalicelib.observability import flush, logger
from chalicelib.settings import get_settings

CORRELATION = "correlation_id"


@cache
def queue_url(name: str) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def _entry(body: dict[str, Any], delay_seconds: int) -> dict[str, Any]:
    """A message: ``body`` as JSON, hidden for ``delay_seconds`` (capped at SQS's maximum)."""
    delay = max(0, min(int(delay_seconds), get_settings().sqs_max_delay_seconds))
    entry: dict[str, Any] = {"MessageBody": json.dumps(body), "DelaySeconds": delay}
    if body.get("tenant_id"):
        entry["MessageGroupId"] = str(body["tenant_id"])
    if correlation_id := logger.get_correlation_id():  # the request that caused this message, for its logs
        entry["MessageAttributes"] = {CORRELATION: {"DataType": "String", "StringValue": correlation_id}}
    return entry


def send(name: str, body: dict[str, Any], delay_seconds: int = 0) -> None:
    """Send ``body`` as JSON, hidden for ``delay_seconds`` (capped at SQS's maximum)."""
    client("sqs").send_message(QueueUrl=queue_url(name), **_entry(body, delay_seconds))


def send_all(name: str, messages: list[tuple[dict[str, Any], int]]) -> None:
    """Send ``(body, delay_seconds)`` messages, ten per SendMessageBatch; raises if SQS refused any."""
    for first in range(0, len(messages), 10):
        entries = [{"Id": str(n), **_entry(body, delay)} for n, (body, delay) in enumerate(messages[first:first + 10])]
        if len(entries) == 1:
            entries[0].pop("Id")
            client("sqs").send_message(QueueUrl=queue_url(name), **entries[0])
            continue
        failed = client("sqs").send_message_batch(QueueUrl=queue_url(name), Entries=entries).get("Failed")
        if failed:
            raise RuntimeError(f"SQS refused {len(failed)} of {len(entries)} messages: {failed[0]}")


def delivery_message(tenant_id: str, delivery_id: str, integration_id: str | None, number: int, due: str,
                     to: list[str] | None = None, addresses: list[str] | None = None,
                     about: str | None = None) -> dict[str, Any]:
    """The delivery worker's message: try ``number`` of a delivery at ``due`` (ISO time). What lets a batch read
    all it needs at once: ``integration_id``, the fixed recipients ``to`` (a notice about the integration itself)
    or the integration's ``addresses`` when queued (a hint: the worker reads the integration's own), and what a
    snooze of it would be ``about``."""
    body: dict[str, Any] = {"tenant_id": tenant_id, "delivery_id": delivery_id, "try": number, "due": due}
    optional = {"integration_id": integration_id, "to": to, "addresses": None if to else addresses, "about": about}
    return {**body, **{key: value for key, value in optional.items() if value}}


def send_deliveries(messages: list[tuple[dict[str, Any], int]]) -> None:
    """Queue delivery worker messages (:func:`delivery_message`) with their delays, in batches."""
    send_all(get_settings().delivery_queue, messages)


class DeliveryMessages:
    """The delivery queue (:class:`~chalicelib.stores.deliveries.DeliveryQueue`)."""

    def send(self, messages: list[tuple[dict[str, Any], int]]) -> None:
        send_deliveries(messages)

    def chain(self, body: dict[str, Any], now: datetime) -> bool:
        return chain(get_settings().delivery_queue, body, now)


ROUTES_PER_MESSAGE = 10  # a batch of 100 events is one SendMessageBatch, sent before the route worker can begin


def send_routes(tenant_id: str, events: list[tuple[str, str | None]], due: datetime | None = None,
                now: datetime | None = None) -> None:
    """Queue the route worker's messages: route each stored ``(event id, claim handed over or None)`` of the
    tenant (at ``due``, when given), :data:`ROUTES_PER_MESSAGE` ids a message."""
    delay = seconds_until(due, now) if due and now else 0
    extra = {"due": due.isoformat()} if due else {}
    ids = [{"id": event_id, **({"claim": handed} if handed else {})} for event_id, handed in events]
    send_all(get_settings().route_queue, [
        ({"tenant_id": tenant_id, "events": ids[first:first + ROUTES_PER_MESSAGE], **extra}, delay)
        for first in range(0, len(ids), ROUTES_PER_MESSAGE)])


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds from ``now`` to ``moment`` (rounded up; 0 when it has passed): a message's delay."""
    return max(0, math.ceil((moment - now).total_seconds()))


def chain(name: str, body: dict[str, Any], now: datetime) -> bool:
    """The one "due later → chain": a message whose ``due`` is later than ``now`` is sent again, hidden for the
    rest (SQS hides at most 15 minutes at a time: it comes back early and is chained again); ``True`` if it was."""
    due = datetime.fromisoformat(body["due"])
    if due <= now:
        return False
    send(name, body, seconds_until(due, now))
    return True


def process_batch(event: dict[str, Any], context: Any, handle: Callable[[dict[str, Any]], Any],
                  whole_batch_fails: bool = False, after: Callable[[], None] | None = None) -> dict[str, Any]:
    """An SQS event through powertools' BatchProcessor: each JSON body to ``handle``; the failed ones
    in the partial batch response (or, with ``whole_batch_fails``, the invocation fails); then ``after`` (what
    the batch writes at once: if it raises, the invocation fails and SQS brings every message back). Flushes metrics.
    Each record logs with its own correlation id and ids; keys the handler appends end with the record."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    def record_handler(record: Any) -> Any:
        body = json.loads(record.body)
        attribute = (record.raw_event.get("messageAttributes") or {}).get(CORRELATION) or {}
        logger.set_correlation_id(attribute.get("stringValue") or record.message_id)
        before = set(logger.get_current_keys())
        logger.append_keys(**{key: body[key] for key in ("tenant_id", "delivery_id") if key in body})
        try:
            return handle(body)
        finally:
            logger.remove_keys(set(logger.get_current_keys()) - before)

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=whole_batch_fails)
    try:
        response = process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                            context=context)
        if after:
            after()
        return response
    finally:
        flush()
