"""IAM's reading of calls and policies (tests/support/iam.py), which the permission check relies on."""

from typing import Any

import pytest

from tests.support.iam import Stack, Unmapped, Use, Where, allows, resource_matches, uses

HERE = Where("us-east-1", "123456789012")
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table"


def test_a_transaction_needs_each_items_action_on_each_items_table() -> None:
    items = [{"Put": {"TableName": "a", "Item": {}}}, {"Update": {"TableName": "b", "Key": {}}},
             {"Delete": {"TableName": "a", "Key": {}}}, {"ConditionCheck": {"TableName": "c", "Key": {}}}]

    assert uses("dynamodb", "TransactWriteItems", {"TransactItems": items}, HERE) == [
        Use("dynamodb:PutItem", f"{TABLE}/a"), Use("dynamodb:UpdateItem", f"{TABLE}/b"),
        Use("dynamodb:DeleteItem", f"{TABLE}/a"), Use("dynamodb:ConditionCheckItem", f"{TABLE}/c")]


@pytest.mark.parametrize("operation", ["BatchGetItem", "BatchWriteItem"])
def test_a_batch_is_authorised_per_table(operation: str) -> None:
    params = {"RequestItems": {"a": {"Keys": []}, "b": {"Keys": []}}}

    assert uses("dynamodb", operation, params, HERE) == [Use(f"dynamodb:{operation}", f"{TABLE}/a"),
                                                         Use(f"dynamodb:{operation}", f"{TABLE}/b")]


def test_a_query_on_an_index_needs_the_index_arn_and_one_on_the_table_the_table() -> None:
    assert uses("dynamodb", "Query", {"TableName": "a", "IndexName": "due"}, HERE) == [
        Use("dynamodb:Query", f"{TABLE}/a/index/due")]
    assert uses("dynamodb", "Query", {"TableName": "a"}, HERE) == [Use("dynamodb:Query", f"{TABLE}/a")]


def test_s3_calls_name_the_object_and_a_listing_the_bucket_with_its_prefix() -> None:
    assert uses("s3", "HeadObject", {"Bucket": "b", "Key": "reports/t/1.pdf"}, HERE) == [
        Use("s3:GetObject", "arn:aws:s3:::b/reports/t/1.pdf")]
    assert uses("s3", "DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "x"}, {"Key": "y"}]}},
                HERE) == [Use("s3:DeleteObject", "arn:aws:s3:::b/x"), Use("s3:DeleteObject", "arn:aws:s3:::b/y")]
    assert uses("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "reports/t/"}, HERE) == [
        Use("s3:ListBucket", "arn:aws:s3:::b", (("s3:prefix", "reports/t/"),))]


@pytest.mark.parametrize(("operation", "action"), [("SendMessageBatch", "sqs:SendMessage"),
                                                   ("DeleteMessage", "sqs:DeleteMessage"),
                                                   ("ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility")])
def test_a_queue_url_becomes_the_queue_arn_and_a_batch_the_single_action(operation: str, action: str) -> None:
    params = {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs", "Entries": []}

    assert uses("sqs", operation, params, HERE) == [Use(action, "arn:aws:sqs:us-east-1:123456789012:jobs")]
    assert uses("sqs", "GetQueueUrl", {"QueueName": "jobs"}, HERE) == [
        Use("sqs:GetQueueUrl", "arn:aws:sqs:us-east-1:123456789012:jobs")]


def test_a_send_is_authorised_on_the_sender_identity_and_the_configuration_set() -> None:
    raw = b"From: Reports <reports@example.com>\r\nTo: a@b.c\r\n\r\nhi"

    assert uses("ses", "SendRawEmail", {"RawMessage": {"Data": raw}, "ConfigurationSetName": "cs"}, HERE) == [
        Use("ses:SendRawEmail", "arn:aws:ses:us-east-1:123456789012:identity/reports@example.com"),
        Use("ses:SendRawEmail", "arn:aws:ses:us-east-1:123456789012:configuration-set/cs")]
    headed = b"X-SES-CONFIGURATION-SET: email-report\r\n" + raw
    assert uses("ses", "SendRawEmail", {"Source": "reports@example.com", "RawMessage": {"Data": headed}}, HERE)[1] \
        == Use("ses:SendRawEmail", "arn:aws:ses:us-east-1:123456789012:configuration-set/email-report")
    assert uses("ses", "GetSendQuota", {}, HERE) == [Use("ses:GetSendQuota", "*")]


def test_an_unknown_call_is_refused_rather_than_guessed() -> None:
    with pytest.raises(Unmapped, match="kinesis:PutRecord"):
        uses("kinesis", "PutRecord", {}, HERE)
    with pytest.raises(Unmapped, match="s3:PutBucketPolicy"):
        uses("s3", "PutBucketPolicy", {"Bucket": "b"}, HERE)


@pytest.mark.parametrize(("pattern", "resource", "matches"), [
    (f"{TABLE}/a/index/*", f"{TABLE}/a/index/due", True),
    (f"{TABLE}/a", f"{TABLE}/a/index/due", False),
    (f"{TABLE}/a*", f"{TABLE}/ab", True),
    ("arn:aws:s3:::b/reports/*", "arn:aws:s3:::b/reports/t/1.pdf", True),
    ("arn:aws:s3:::b/reports/*", "arn:aws:s3:::b/previews/1.pdf", False),
    ("arn:aws:sqs:*:123456789012:jobs", "arn:aws:sqs:eu-west-1:123456789012:jobs", True),
    ("arn:aws:sqs:us-*", "arn:aws:sqs:us-east-1:123456789012:jobs", False),  # a wildcard stays in its segment
    ("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/s-*", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/s-f:x",
     True),  # the resource part may hold colons
    ("*", "anything", True),
])
def test_resources_match_with_iams_wildcards(pattern: str, resource: str, matches: bool) -> None:
    assert resource_matches(pattern, resource) is matches


def test_actions_match_case_insensitively_an_explicit_deny_wins_and_conditions_need_their_keys() -> None:
    listing = Use("s3:ListBucket", "arn:aws:s3:::b", (("s3:prefix", "reports/t/"),))
    allow = {"Effect": "Allow", "Action": ["S3:list*"], "Resource": "arn:aws:s3:::b",
             "Condition": {"StringLike": {"s3:prefix": ["reports/*"]}}}
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}

    assert allows([allow], listing)
    assert not allows([allow], Use("s3:ListBucket", "arn:aws:s3:::b", (("s3:prefix", "previews/"),)))
    assert not allows([allow], Use("s3:ListBucket", "arn:aws:s3:::b"))
    assert not allows([allow, deny], listing)
    assert not allows([], listing)


def test_template_values_resolve_to_the_physical_names() -> None:
    template: dict[str, Any] = {
        "Parameters": {"Stage": {"Type": "String", "Default": "prod"}},
        "Resources": {"T": {"Type": "AWS::DynamoDB::Table"}, "Q": {"Type": "AWS::SQS::Queue"},
                      "B": {"Type": "AWS::S3::Bucket"}}}
    stack = Stack(template, {"T": "tenants", "Q": "jobs", "B": "bucket"}, HERE)

    assert stack.resolve({"Fn::GetAtt": ["T", "Arn"]}) == f"{TABLE}/tenants"
    assert stack.resolve({"Fn::Sub": "${T.Arn}/index/*"}) == f"{TABLE}/tenants/index/*"
    assert stack.resolve({"Fn::Sub": "${B.Arn}/reports/${Stage}/*"}) == "arn:aws:s3:::bucket/reports/prod/*"
    assert stack.resolve({"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:${!Literal}"}) \
        == "arn:aws:logs:us-east-1:123456789012:${Literal}"
    assert stack.resolve({"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "T"}}]}) == "tenants-x"
    assert stack.resolve({"Ref": "Q"}) == "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
    assert stack.resolve({"Fn::GetAtt": "Q.QueueName"}) == "jobs"
    with pytest.raises(Unmapped, match="Fn::Select"):
        stack.resolve({"Fn::Select": [0, ["a"]]})
    with pytest.raises(Unmapped, match="condition Missing"):
        stack.resolve({"Fn::If": ["Missing", 1, 2]})


def test_a_parameter_takes_the_tests_value_or_its_default_and_one_with_neither_is_named() -> None:
    template: dict[str, Any] = {"Parameters": {"Stage": {"Type": "String", "Default": "prod"},
                                               "Sender": {"Type": "String"}, "Alarms": {"Type": "String"}},
                                "Resources": {"S": {"Type": "AWS::SecretsManager::Secret"}}}
    stack = Stack(template, {"S": "arn:aws:secretsmanager:us-east-1:123456789012:secret:token-AbCdEf"}, HERE,
                  {"Sender": "reports@email-report.local"})

    assert stack.resolve({"Fn::Sub": "${Stage}:${Sender}"}) == "prod:reports@email-report.local"
    assert stack.resolve({"Ref": "S"}) == "arn:aws:secretsmanager:us-east-1:123456789012:secret:token-AbCdEf"
    with pytest.raises(Unmapped, match="parameter Alarms"):
        stack.resolve({"Ref": "Alarms"})


@pytest.mark.parametrize(("arn", "chosen"), [("", "generated"), ("arn:given", "arn:given")])
def test_a_condition_picks_the_branch_the_parameters_give(arn: str, chosen: str) -> None:
    template: dict[str, Any] = {
        "Parameters": {"SecretArn": {"Type": "String", "Default": ""}, "Domain": {"Type": "String", "Default": ""}},
        "Conditions": {"Generate": {"Fn::Equals": [{"Ref": "SecretArn"}, ""]},
                       "Both": {"Fn::And": [{"Condition": "Generate"},
                                            {"Fn::Not": [{"Fn::Equals": [{"Ref": "Domain"}, ""]}]}]}},
        "Resources": {}}
    stack = Stack(template, {}, HERE, {"SecretArn": arn})

    assert stack.resolve({"Fn::If": ["Generate", "generated", {"Ref": "SecretArn"}]}) == chosen
    assert stack.resolve({"Fn::If": ["Both", "yes", "no"]}) == "no"
