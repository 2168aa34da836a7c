"""The local stack's and the tests' moto without its costs that grow with a queue (local/moto_speed.py): a send does
not count the queue's messages, and what SQS answers is unchanged."""

from typing import Any

import pytest
from moto.sqs.models import Message

from chalicelib.aws.clients import client


@pytest.fixture
def reads_of_visibility(monkeypatch: pytest.MonkeyPatch) -> list[Message]:
    """Every time moto asks whether a message is visible (what its message counts ask of each message)."""
    reads: list[Message] = []
    visible = Message.visible

    def counted(message: Message) -> bool:
        reads.append(message)
        return visible.fget(message)  # type: ignore[attr-defined]

    monkeypatch.setattr(Message, "visible", property(counted))
    return reads


def send(url: str, bodies: list[str], **extra: Any) -> None:
    entries = [{"Id": str(n), "MessageBody": body, **extra} for n, body in enumerate(bodies)]
    for start in range(0, len(entries), 10):
        assert not client("sqs").send_message_batch(QueueUrl=url, Entries=entries[start:start + 10]).get("Failed")


@pytest.mark.parametrize("group", [None, "tenant-a"])
def test_a_send_does_not_count_the_queue_and_the_counts_stay_right(
        reads_of_visibility: list[Message], group: str | None) -> None:
    url = client("sqs").create_queue(QueueName="backlog")["QueueUrl"]
    extra = {"MessageGroupId": group} if group else {}
    send(url, [f"old {n}" for n in range(200)], **extra)
    received = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    reads_of_visibility.clear()

    send(url, [f"new {n}" for n in range(10)], **extra)
    client("sqs").send_message(QueueUrl=url, MessageBody="one more", **extra)

    assert reads_of_visibility == []
    counts = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == (
        str(211 - len(received)), str(len(received)))
    assert counts["ApproximateNumberOfMessagesDelayed"] == "0"


def test_a_fifo_queue_still_drops_a_repeated_body_when_deduplicating_by_content() -> None:
    url = client("sqs").create_queue(QueueName="ordered.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]

    send(url, ["same", "same", "other"], MessageGroupId="g")

    counts = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert counts["Attributes"]["ApproximateNumberOfMessages"] == "2"
