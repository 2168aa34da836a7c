"""Between tests moto keeps the tables and queues, emptied (tests/support/moto_reset.py): what a test then finds
is what a fresh creation of the resources gives."""

from typing import Any

from chalicelib.aws.clients import client
from chalicelib.settings import get_settings
from local import resources
from tests.support import moto_reset

_MOMENTS = ("CreationDateTime", "LastUpdateToPayPerRequestDateTime", "LastIncreaseDateTime", "LastDecreaseDateTime",
            "CreatedTimestamp", "LastModifiedTimestamp")


def without_moments(value: Any) -> Any:
    """``value`` without the moments a resource was created or changed."""
    if isinstance(value, dict):
        return {key: without_moments(item) for key, item in value.items() if key not in _MOMENTS}
    if isinstance(value, list):
        return [without_moments(item) for item in value]
    return value


def _described(name: str) -> dict[str, Any]:
    """The table as DescribeTable shows it."""
    dynamodb = client("dynamodb")
    return {"table": without_moments(dynamodb.describe_table(TableName=name)["Table"]),
            "ttl": dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]}


def _everything(settings: Any) -> dict[str, Any]:
    dynamodb, sqs, s3 = client("dynamodb"), client("sqs"), client("s3")
    tables = sorted(dynamodb.list_tables()["TableNames"])
    queues = sorted(sqs.list_queues().get("QueueUrls", []))
    return {"tables": {name: _described(name) for name in tables},
            "items": {name: dynamodb.scan(TableName=name)["Items"] for name in tables},
            "queues": {url: without_moments(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
                "Attributes"]) for url in queues},
            "objects": s3.list_objects_v2(Bucket=settings.reports_bucket).get("KeyCount"),
            "keys": [a["AliasName"] for a in client("kms").list_aliases()["Aliases"] if "TargetKeyId" in a],
            "senders": client("ses").list_identities()["Identities"]}


def test_kept_tables_and_queues_are_empty_and_as_a_fresh_creation_makes_them(aws, fresh_aws, api, acme) -> None:
    settings, sqs = get_settings(), client("sqs")
    acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    assert acme.call("POST", "/v1/events", {"events": [{"id": "e-1", "type": "vulnerability.detected",
                                                        "time": "2026-11-25T09:59:00Z",
                                                        "data": {"risk": "high", "title": "SQLi"}}]})[0] == 202
    before = _everything(settings)
    assert any(before["items"].values()) and any(q["ApproximateNumberOfMessages"] != "0"
                                                 for q in before["queues"].values())
    sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName=settings.report_queue)["QueueUrl"])  # once a minute
    client("dynamodb").delete_table(TableName=settings.reports_table)  # a test may delete one
    client("dynamodb").create_table(TableName="not-ours", BillingMode="PAY_PER_REQUEST",  # or make one
                                    AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                                    KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])

    moto_reset.reset(aws, settings)
    kept = _everything(settings)
    sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName=settings.report_queue)["QueueUrl"])  # as if never purged
    aws.reset()
    resources.create_all(settings)
    fresh = _everything(settings)

    assert not any(kept["items"].values()) and settings.reports_table in kept["tables"]
    assert kept == fresh
