"""Create the service's AWS resources on moto from their declaration (``chalicelib.resources``), the one the
deployment template is generated from (``deploy.declared``), under the names the settings give: local, tests and AWS
agree."""

import json
from collections.abc import Collection

from chalicelib.aws.clients import client
from chalicelib.resources import QUEUES, REPORTS_BUCKET, SECRETS_KEY, TABLES, Queue, Table
from chalicelib.settings import Settings
from deploy import declared


def _create_table(name: str, table: Table) -> None:
    props = declared.table(table)["Properties"]
    dynamodb = client("dynamodb")
    params = {key: props[key] for key in ("AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes")
              if key in props}
    dynamodb.create_table(TableName=name, **params)
    if table.ttl:
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={"AttributeName": table.ttl,
                                                                              "Enabled": True})


def _create_queue(name: str, queue: Queue) -> None:
    """The queue, and its dead-letter queue (``<name>-dlq``) when it has one."""
    sqs = client("sqs")
    attributes = {"VisibilityTimeout": str(queue.visibility_seconds or 30)}
    if queue.max_receives:
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receives}
        attributes["RedrivePolicy"] = json.dumps(policy)
    sqs.create_queue(QueueName=name, Attributes=attributes)


def _create_bucket(name: str) -> None:
    """The bucket with the declaration's public access block and lifecycle rules."""
    props = declared.bucket(REPORTS_BUCKET)["Properties"]
    s3 = client("s3")
    region = s3.meta.region_name
    s3.create_bucket(Bucket=name, **({} if region == "us-east-1" else
                                     {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": rule["Prefix"]},
         "Expiration": {"Days": rule["ExpirationInDays"]}} for rule in props["LifecycleConfiguration"]["Rules"]]})


def _create_key(alias: str) -> None:
    """The key, named by the alias the settings give (moto, like KMS, makes up the key's id)."""
    kms = client("kms")
    kms.create_alias(AliasName=alias, TargetKeyId=kms.create_key(Description=alias)["KeyMetadata"]["KeyId"])


def table_names(settings: Settings) -> set[str]:
    return {getattr(settings, table.setting) for table in TABLES}


def queue_names(settings: Settings) -> set[str]:
    """The queues :func:`create_all` makes, their dead-letter queues included (a queue may share a table's name)."""
    queues = [(getattr(settings, queue.setting), queue) for queue in QUEUES if queue.setting]
    return {name for name, _ in queues} | {f"{name}-dlq" for name, queue in queues if queue.max_receives}


def create_all(settings: Settings, tables_kept: Collection[str] = (), queues_kept: Collection[str] = ()) -> None:
    """Create every table and every queue a function names (AWS alone fills the others), but those kept, the
    bucket and the key; verify the sender identity in SES."""
    for table in TABLES:
        if (name := getattr(settings, table.setting)) not in tables_kept:
            _create_table(name, table)
    for queue in QUEUES:
        if queue.setting and (name := getattr(settings, queue.setting)) not in queues_kept:
            _create_queue(name, queue)
    _create_bucket(getattr(settings, REPORTS_BUCKET.setting))
    _create_key(getattr(settings, SECRETS_KEY.setting))
    client("ses").verify_email_identity(EmailAddress=settings.sender_email)
