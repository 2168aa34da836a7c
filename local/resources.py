"""Create the service's AWS resources on moto from the same template that deploys them.

The template's ``Globals`` map each setting's environment variable to a resource (``Ref``);
we create that resource under the name the settings give, so local, tests and AWS agree.
"""

import json
from pathlib import Path
from typing import Any

from chalicelib.aws.clients import client
from chalicelib.settings import Settings

TEMPLATE = Path(__file__).resolve().parents[1] / ".chalice" / "resources.json"


def template() -> dict[str, Any]:
    return json.loads(TEMPLATE.read_text())


def _logical_id(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return value["Ref"]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0]
    return None


def wired_resources() -> dict[str, tuple[str, dict[str, Any]]]:
    """Environment variable → (logical id, resource) for every table, queue and bucket the functions' globals
    name (a ``Ref`` to a parameter, the configuration set or the secret has nothing to create here)."""
    doc = template()
    variables = doc["Globals"]["Function"]["Environment"]["Variables"]
    return {name: (logical, doc["Resources"][logical]) for name, value in variables.items()
            if (logical := _logical_id(value)) and doc["Resources"].get(logical, {}).get("Type") in _CREATORS}


def _create_table(name: str, props: dict[str, Any]) -> None:
    dynamodb = client("dynamodb")
    params = {key: props[key] for key in ("AttributeDefinitions", "KeySchema", "BillingMode")}
    if "GlobalSecondaryIndexes" in props:
        params["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    dynamodb.create_table(TableName=name, **params)
    if "TimeToLiveSpecification" in props:
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])


def _create_queue(name: str, props: dict[str, Any]) -> None:
    """The queue, and its dead-letter queue (``<name>-dlq``) when the template gives it one."""
    sqs = client("sqs")
    attributes = {"VisibilityTimeout": str(props.get("VisibilityTimeout", 30))}
    if "RedrivePolicy" in props:
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": props["RedrivePolicy"]["maxReceiveCount"]}
        attributes["RedrivePolicy"] = json.dumps(policy)
    sqs.create_queue(QueueName=name, Attributes=attributes)


def _create_bucket(name: str, props: dict[str, Any]) -> None:
    """The bucket with the template's public access block and lifecycle rules."""
    s3 = client("s3")
    region = s3.meta.region_name
    s3.create_bucket(Bucket=name, **({} if region == "us-east-1" else
                                     {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    if block := props.get("PublicAccessBlockConfiguration"):
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    rules = [{"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")},
              "Expiration": {"Days": rule["ExpirationInDays"]}}
             for rule in props.get("LifecycleConfiguration", {}).get("Rules", []) if "ExpirationInDays" in rule]
    if rules:
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})


_CREATORS = {"AWS::DynamoDB::Table": _create_table, "AWS::SQS::Queue": _create_queue,
             "AWS::S3::Bucket": _create_bucket}


def create_all(settings: Settings) -> None:
    """Create every wired resource and verify the sender identity in SES."""
    for variable, (_, resource) in wired_resources().items():
        _CREATORS[resource["Type"]](getattr(settings, variable.lower()), resource["Properties"])
    client("ses").verify_email_identity(EmailAddress=settings.sender_email)
