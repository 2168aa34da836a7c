"""SQS adapter: the delivery queue carries ids and try numbers, never documents."""

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from chalicelib.aws.clients import client
from chalicelib.observability import metrics
from chalicelib.settings import get_settings


@cache
def queue_url(name: str) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def send(name: str, body: dict[str, Any], delay_seconds: int = 0) -> None:
    """Send ``body`` as JSON, hidden for ``delay_seconds`` (capped at SQS's maximum)."""
    delay = max(0, min(int(delay_seconds), get_settings().sqs_max_delay_seconds))
    client("sqs").send_message(QueueUrl=queue_url(name), MessageBody=json.dumps(body), DelaySeconds=delay)


def send_delivery(tenant_id: str, delivery_id: str, number: int, due: str, delay_seconds: int = 0) -> None:
    """Ask the delivery worker to make try ``number`` of a delivery at ``due`` (ISO time)."""
    send(get_settings().delivery_queue,
         {"tenant_id": tenant_id, "delivery_id": delivery_id, "try": number, "due": due}, delay_seconds)


def process_batch(event: dict[str, Any], context: Any, handle: Callable[[dict[str, Any]], Any],
                  whole_batch_fails: bool = False) -> dict[str, Any]:
    """An SQS event through powertools' BatchProcessor: each JSON body to ``handle``; the failed ones
    in the partial batch response (or, with ``whole_batch_fails``, the invocation fails). Flushes metrics."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=whole_batch_fails)
    try:
        return process_partial_response(event=event, record_handler=lambda record: handle(json.loads(record.body)),
                                        processor=processor, context=context)
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
