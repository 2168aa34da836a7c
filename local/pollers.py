"""Queue pollers: what Lambda's SQS event source does, for the local stack and the tests.

Receive real messages from (moto's) SQS, hand them to the handler as a Lambda SQS event,
and delete the ones the handler did not report in ``batchItemFailures`` (in one ``DeleteMessageBatch``).

Tenants are served fairly: every message carries its tenant as ``MessageGroupId`` (``chalicelib.aws.queue``), which
on AWS makes our standard queues SQS fair queues. moto does not emulate fair-queue ordering (it hands out messages
in the order they came), so a batch is served round-robin over its groups (:func:`fair_order`), and the local stack
has moto's receive pick its messages in that order too (:mod:`local.fair_queues`): one tenant's backlog does not
hold up another tenant's mail.
"""

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from chalicelib.aws import queue
from chalicelib.aws.clients import client

T = TypeVar("T")

Invoke = Callable[[dict[str, Any]], dict[str, Any] | None]


def _record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
        "attributes": message.get("Attributes", {}), "md5OfBody": message["MD5OfBody"],
        "messageAttributes": {name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
                              for name, value in message.get("MessageAttributes", {}).items()},
        "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": "us-east-1",
    }


def fair_order(items: Iterable[T], group: Callable[[T], str | None]) -> list[T]:
    """``items`` round-robin over their groups (in the order each group first appears), each group's own order
    kept: ``a1 a2 a3 b1`` → ``a1 b1 a2 a3``."""
    queues: dict[str | None, list[T]] = {}
    for item in items:
        queues.setdefault(group(item), []).append(item)
    ordered: list[T] = []
    for depth in range(max((len(members) for members in queues.values()), default=0)):
        ordered += [members[depth] for members in queues.values() if depth < len(members)]
    return ordered


def message_group(message: dict[str, Any]) -> str | None:
    return message.get("Attributes", {}).get("MessageGroupId")


def poll_once(queue_name: str, invoke: Invoke, wait_seconds: int = 0, max_messages: int = 10,
              on_undeleted: Callable[[list[dict[str, Any]]], None] | None = None,
              before_invoke: Callable[[list[dict[str, Any]]], None] | None = None) -> int:
    """One receive → invoke → delete round; returns how many messages were received.
    ``on_undeleted`` sees the messages left for SQS to redeliver (reported failures, or all of them
    when the handler dies), e.g. to make the visibility timeout pass at once in a simulation."""
    sqs = client("sqs")
    url = queue.queue_url(queue_name)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=max_messages, WaitTimeSeconds=wait_seconds,
                                   AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
    if not received:
        return 0
    received = fair_order(received, message_group)
    arn = f"arn:aws:sqs:us-east-1:123456789012:{queue_name}"
    if before_invoke:
        before_invoke(received)
    try:
        response = invoke({"Records": [_record(message, arn) for message in received]}) or {}
    except BaseException:
        if on_undeleted:
            on_undeleted(received)
        raise
    failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
    if done := [message for message in received if message["MessageId"] not in failed]:  # one request, as Lambda
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
                                                        for n, message in enumerate(done)])
    if on_undeleted and failed:
        on_undeleted([message for message in received if message["MessageId"] in failed])
    return len(received)


def clock_jumper(jump_to: Callable[[datetime], None]) -> Callable[[list[dict[str, Any]]], None]:
    """Before a batch runs, move an injected clock to the earliest ``due`` among its messages: when
    nothing received is due yet, time jumps to the next try (a day of retries in seconds)."""
    def catch_up(received: list[dict[str, Any]]) -> None:
        dues = [json.loads(message["Body"]).get("due") for message in received]
        if dues and all(dues):
            jump_to(min(datetime.fromisoformat(due) for due in dues))
    return catch_up


def drain(queue_name: str, invoke: Invoke, jump_to: Callable[[datetime], None], max_rounds: int = 100_000) -> int:
    """Run until the queue is empty, in simulated time (see :func:`clock_jumper`). Returns the rounds run."""
    for rounds in range(max_rounds):
        if not poll_once(queue_name, invoke, before_invoke=clock_jumper(jump_to)):
            return rounds
    raise RuntimeError(f"{queue_name} did not drain in {max_rounds} rounds")
