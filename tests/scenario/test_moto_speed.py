"""The local stack's and the tests' moto without its costs (local/moto_speed.py): a send does not count the queue's
messages, DynamoDB's answers are written without walking their shape, KMS keys share one drawn private key, and
what SQS, DynamoDB and KMS answer is unchanged."""

import json
from collections import Counter
from typing import Any

import pytest
from moto.dynamodb.responses import DynamoResult
from moto.sqs.models import Message

from chalicelib.aws.clients import client, table
from chalicelib.settings import get_settings
from local import moto_speed


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


@pytest.fixture
def both_ways(monkeypatch: pytest.MonkeyPatch) -> tuple[Counter[str], list[str]]:
    """Every DynamoDB answer written both ways: the operations compared, and the answers that differed."""
    compared: Counter[str] = Counter()
    differed: list[str] = []

    def compare(result: DynamoResult, context: Any) -> Any:
        fast = moto_speed._json_result(result, context)
        status, headers, body = moto_speed.MOTO_DYNAMODB_RESULT(result, context)
        name = str(context.operation_model.name)
        compared[name] += 1
        if (fast[0], fast[1], json.loads(fast[2])) != (status, headers, json.loads(body or "{}")):
            differed.append(f"{name}: {fast} != {(status, headers, body)}")
        return fast

    monkeypatch.setattr(DynamoResult, "execute_result", compare)
    return compared, differed


def test_dynamodb_answers_are_what_moto_writes(both_ways, api, acme, pipeline):
    compared, differed = both_ways
    # a tenant's day: integrations made, changed and deleted, findings and attacks routed and mailed, a report
    soc = acme.integration(name="SOC", emails="soc@acme.io, lead@acme.io", events=["vuln_high", "system"])
    acme.call("PATCH", f"/v1/integrations/{soc['id']}", {"name": "SOC team"})
    events = [{"id": "v-1", "type": "vulnerability.detected", "time": "2026-11-25T09:00:00Z",
               "data": {"risk": "high", "title": "SQLi", "host": "api.acme.io"}},
              {"id": "a-1", "type": "attack.detected", "time": "2026-11-25T09:10:00Z",
               "data": {"attack_type": "sqli", "host": "api.acme.io", "ip": "203.0.113.7", "hits": 3}}]
    assert acme.call("POST", "/v1/events", {"events": events})[0] == 202
    pipeline.drain()
    assert acme.call("GET", f"/v1/integrations/{soc['id']}/deliveries")[1]["items"]
    assert acme.call("POST", "/v1/reports/preview", {"frequency": "daily"})[0] == 200
    assert acme.call("DELETE", f"/v1/integrations/{soc['id']}")[0] == 204
    # and the answers the app does not ask for: a deleted item's old values (moto adds a member outside the shape)
    name = get_settings().integrations_table
    first, second = [{"tenant_id": item["tenant_id"], "sk": item["sk"]} for item in table(name).scan()["Items"]][:2]
    assert table(name).delete_item(Key=first, ReturnValues="ALL_OLD")["Attributes"]
    assert "ConsumedCapacityUnits" not in client("dynamodb").delete_item(TableName=name, Key={
        k: {"S": v} for k, v in second.items()}, ReturnValues="ALL_OLD")

    assert differed == []
    assert {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchGetItem", "Scan"} <= set(compared)


def test_kms_keys_share_the_drawn_private_key_yet_keep_their_own_material() -> None:
    kms = client("kms")
    first, second = (kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(2))
    signing = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    sealed = kms.encrypt(KeyId=first, Plaintext=b"secret")["CiphertextBlob"]
    other = kms.encrypt(KeyId=second, Plaintext=b"secret")["CiphertextBlob"]

    opened = kms.decrypt(CiphertextBlob=sealed)
    assert opened["Plaintext"] == b"secret" and opened["KeyId"].endswith(first) and sealed != other
    signature = kms.sign(KeyId=signing, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    assert kms.verify(KeyId=signing, Message=b"m", Signature=signature,
                      SigningAlgorithm="RSASSA_PSS_SHA_256")["SignatureValid"]
    assert moto_speed.kms_models.generate_private_key.cache_info().hits >= 2  # type: ignore[attr-defined]
