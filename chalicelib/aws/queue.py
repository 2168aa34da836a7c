"""SQS adapter: the delivery queue carries ids and try numbers, never documents."""

import json
from functools import cache
from typing import Any

from chalicelib.aws.clients import client
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
