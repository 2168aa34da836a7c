"""Write the declared tables, queues, bucket and key (``chalicelib/resources.py``) into the merge template.

``.chalice/resources.json`` stays the file Chalice merges and a reader opens; its tables, queues (with their
dead-letter queues), bucket and the functions' environment variables that name them are generated from the
declaration, the rest (parameters, alarms, topics, functions' extras) is written by hand. After changing the
declaration:

    python -m deploy.declared

tests/unit/test_declared_resources.py fails, naming the file and the resource, when the file and the declaration
differ.
"""

import json
from pathlib import Path
from typing import Any

from chalicelib import resources as declaration
from chalicelib.resources import Bucket, Key, Queue, Table

TEMPLATE = Path(__file__).resolve().parents[1] / ".chalice" / "resources.json"
DECLARED_TYPES = frozenset({"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket", "AWS::KMS::Key"})
_KEPT = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}

Resource = dict[str, Any]


def _keys(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    return [{"AttributeName": hash_key, "KeyType": "HASH"}] + (
        [{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key else [])


def table(declared: Table) -> Resource:
    attributes = dict.fromkeys([declared.hash_key, declared.range_key] + [
        name for index in declared.indexes for name in (index.hash_key, index.range_key)])
    props: dict[str, Any] = {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in attributes if name],
        "KeySchema": _keys(declared.hash_key, declared.range_key),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True}}
    if declared.indexes:
        props["GlobalSecondaryIndexes"] = [{
            "IndexName": index.name, "KeySchema": _keys(index.hash_key, index.range_key),
            "Projection": {"ProjectionType": index.projection} if isinstance(index.projection, str) else
            {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.projection)}} for index in declared.indexes]
    if declared.ttl:
        props["TimeToLiveSpecification"] = {"AttributeName": declared.ttl, "Enabled": True}
    return {"Type": "AWS::DynamoDB::Table", **_KEPT, "Properties": props}


def _queue(short: str, retention: int, visibility: int | None = None) -> Resource:
    return {"Type": "AWS::SQS::Queue", "Properties": {
        "QueueName": {"Fn::Sub": f"{declaration.APP}-${{Stage}}-{short}"},
        **({"VisibilityTimeout": visibility} if visibility else {}),
        "MessageRetentionPeriod": retention, "SqsManagedSseEnabled": True}}


def queues(declared: Queue) -> dict[str, Resource]:
    """The queue and its dead-letter queue (first: the queue refers to it)."""
    queue = _queue(declared.short, declared.retention_seconds, declared.visibility_seconds)
    if not declared.dead_letter_id:
        return {declared.logical_id: queue}
    queue["Properties"]["RedrivePolicy"] = {"deadLetterTargetArn": {"Fn::GetAtt": [declared.dead_letter_id, "Arn"]},
                                            "maxReceiveCount": declared.max_receives}
    return {declared.dead_letter_id: _queue(f"{declared.short}-dlq", declaration.DEAD_LETTER_RETENTION_SECONDS),
            declared.logical_id: queue}


def bucket(declared: Bucket) -> Resource:
    return {"Type": "AWS::S3::Bucket", **_KEPT, "Properties": {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "LifecycleConfiguration": {"Rules": [{
            "Id": f"expire-{folder.prefix.strip('/')}", "Status": "Enabled", "Prefix": folder.prefix,
            "ExpirationInDays": folder.expire_days, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}
            for folder in declared.folders]}}}


def key(declared: Key) -> Resource:
    """A symmetric key the account administers (the default key policy: IAM policies grant its use)."""
    return {"Type": "AWS::KMS::Key", **_KEPT, "Properties": {
        "Description": {"Fn::Sub": f"{declaration.APP}-${{Stage}}-{declared.short}"},
        "EnableKeyRotation": True, "PendingWindowInDays": 30,
        "KeyPolicy": {"Version": "2012-10-17", "Statement": [{
            "Sid": "AccountAdministers", "Effect": "Allow",
            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
            "Action": "kms:*", "Resource": "*"}]}}}


def resources() -> dict[str, Resource]:
    """Logical id → resource, for everything declared."""
    found = {declared.logical_id: table(declared) for declared in declaration.TABLES}
    for declared in declaration.QUEUES:
        found.update(queues(declared))
    found[declaration.REPORTS_BUCKET.logical_id] = bucket(declaration.REPORTS_BUCKET)
    found[declaration.SECRETS_KEY.logical_id] = key(declaration.SECRETS_KEY)
    return found


def variables() -> dict[str, Any]:
    """The functions' environment variable → its value, for every declared resource a setting names."""
    return {setting.upper(): {"Fn::GetAtt": [declared.logical_id, "QueueName"]} if isinstance(declared, Queue)
            else {"Ref": declared.logical_id} for setting, declared in declaration.SETTINGS.items()}


def _variables(template: Resource) -> dict[str, Any]:
    return template["Globals"]["Function"]["Environment"]["Variables"]


def _names_declared_type(value: Any, template: Resource) -> bool:
    """Whether an environment variable's value names a table, queue or bucket of ``template``."""
    logical = value.get("Ref") or value.get("Fn::GetAtt", [None])[0] if isinstance(value, dict) else None
    return template["Resources"].get(logical, {}).get("Type") in DECLARED_TYPES


def generated(template: Resource) -> Resource:
    """``template`` with the declared resources and variables in place of what it had of their kinds (an entry
    kept where it was, a new one appended)."""
    wanted, wanted_variables = resources(), variables()
    kept = {logical: wanted.get(logical, resource) for logical, resource in template["Resources"].items()
            if resource["Type"] not in DECLARED_TYPES or logical in wanted}
    kept_variables = {name: wanted_variables.get(name, value) for name, value in _variables(template).items()
                      if name in wanted_variables or not _names_declared_type(value, template)}
    result = json.loads(json.dumps(template))
    result["Resources"] = {**kept, **wanted}
    result["Globals"]["Function"]["Environment"]["Variables"] = {**kept_variables, **wanted_variables}
    return result


def drift(template: Resource) -> list[str]:
    """Each resource or environment variable of ``template`` that is not as declared, with what is wrong."""
    wanted, wanted_variables, have = resources(), variables(), _variables(template)
    found = []
    for logical in sorted({name for name, resource in template["Resources"].items()
                           if resource["Type"] in DECLARED_TYPES} | set(wanted)):
        resource = template["Resources"].get(logical)
        if resource is None:
            found.append(f"{logical}: declared, missing")
        elif logical not in wanted:
            found.append(f"{logical}: a {resource['Type']} not declared in chalicelib/resources.py")
        elif resource != wanted[logical]:
            found.append(f"{logical}: differs from the declaration: {json.dumps(wanted[logical])}")
    for name in sorted(set(wanted_variables) | {n for n, v in have.items() if _names_declared_type(v, template)}):
        if have.get(name) != wanted_variables.get(name):
            found.append(f"Globals variable {name}: {have.get(name)}, declared: {wanted_variables.get(name)}")
    return found


def template() -> Resource:
    """The merge template as checked in."""
    return json.loads(TEMPLATE.read_text())


def main() -> None:
    current = template()
    changed = drift(current)
    TEMPLATE.write_text(json.dumps(generated(current), indent=2) + "\n")
    print(f"{TEMPLATE}: " + ("\n  ".join(["rewritten:", *changed]) if changed else "as declared"))


if __name__ == "__main__":
    main()
