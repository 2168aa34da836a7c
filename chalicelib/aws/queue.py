"""SQS adapter: the delivery queue carries ids and try numbers, never documents."""

import json
from collections.abc import Callable
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


def send_delivery(tenant_id: str, delivery_id: str, number: int, due: str, delay_seconds: int = 0) -> None:
    """Ask the delivery worker to make try ``number`` of a delivery at ``due`` (ISO time)."""
    send(get_settings().delivery_queue,
         {"tenant_id": tenant_id, "delivery_id": delivery_id, "try": number, "due": due}, delay_seconds)


def process_batch(event: dict[str, Any], context: Any, handle: Callable[[dict[str, Any]], Any],
                  whole_batch_fails: bool = False) -> dict[str, Any]:
    """An SQS event through powertools' BatchProcessor: each JSON body to ``handle``; the failed ones
    in the partial batch response (or, with ``whole_batch_fails``, the invocation fails). Flushes metrics.
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
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    finally:
        flush()
