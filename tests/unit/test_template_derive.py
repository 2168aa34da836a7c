"""deploy/template.py derives the operations resources from what the template declares: a function, queue or
table added later (a new route queue and its reader, a migrations function) is watched, rolled out and backed up
with no list to update."""

import json
from typing import Any

import pytest

from deploy.template import derive


def _template() -> dict[str, Any]:
    """The smallest packaged template: a queue reader, a schedule, a table, the API."""
    def function(handler: str, events: dict[str, Any]) -> dict[str, Any]:
        return {"Type": "AWS::Serverless::Function", "Properties": {
            "Handler": handler, "Timeout": 60, "Role": {"Fn::GetAtt": [f"{handler}Role", "Arn"]}, "Events": events}}

    # the name Chalice read from the setting that the Globals variable feeds (here DELIVERY_QUEUE's default)
    uri = "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/functions/${APIHandler.Arn}/invocations"
    arn = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:email-report-deliveries"
    return {
        "Globals": {"Function": {"Environment": {"Variables": {
            "DELIVERY_QUEUE": {"Fn::GetAtt": ["RouteQueue", "QueueName"]}, "TENANTS_TABLE": {"Ref": "TenantsTable"}}}}},
        "Resources": {
            "RouteQueue": {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": ["RouteDeadLetterQueue", "Arn"]}, "maxReceiveCount": 5}}},
            "RouteDeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "AsyncDeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "EventTargetDeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "TenantsTable": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "RouteWorker": function("RouteWorker", {"Src": {"Type": "SQS", "Properties": {"Queue": {"Fn::Sub": arn}}}}),
            "Migrate": function("Migrate", {"Every": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}}}),
            "APIHandler": function("APIHandler", {}),
            "APIHandlerInvokePermission": {"Type": "AWS::Lambda::Permission", "Properties": {
                "FunctionName": {"Ref": "APIHandler"}}},
            "RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {"DefinitionBody": {"paths": {"/x": {"get": {
                "x-amazon-apigateway-integration": {"uri": {"Fn::Sub": uri}}}}}}}},
        },
    }


@pytest.fixture
def derived() -> dict[str, Any]:
    return derive(_template())


def test_a_new_queue_reader_is_pointed_at_its_queue_and_watched(derived: dict[str, Any]) -> None:
    res = derived["Resources"]
    source = res["RouteWorker"]["Properties"]["Events"]["Src"]["Properties"]

    assert source["Queue"] == {"Fn::GetAtt": ["RouteQueue", "Arn"]}
    assert res["RouteQueueAgeAlarm"]["Properties"]["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert res["RouteDeadLetterQueueDepthAlarm"]["Properties"]["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["RouteDeadLetterQueue", "QueueName"]}}]


@pytest.mark.parametrize("function", ["RouteWorker", "Migrate", "APIHandler"])
def test_every_function_gets_alarms_a_log_group_and_a_canary(derived: dict[str, Any], function: str) -> None:
    res = derived["Resources"]
    props = res[function]["Properties"]

    assert res[f"{function}ErrorsAlarm"]["Properties"]["MetricName"] == "Errors"
    assert res[f"{function}ThrottlesAlarm"]["Properties"]["MetricName"] == "Throttles"
    assert props["LoggingConfig"] == {"LogGroup": {"Ref": f"{function}LogGroup"}}
    assert props["AutoPublishAlias"] == "live"
    assert props["DeploymentPreference"]["Alarms"] == [{"Ref": f"{function}ErrorsAlarm"}]


def test_a_new_scheduled_function_gets_a_failure_destination_and_a_rule_dead_letter_queue(
        derived: dict[str, Any]) -> None:
    res = derived["Resources"]
    props = res["Migrate"]["Properties"]

    assert props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    assert props["Events"]["Every"]["Properties"]["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["EventTargetDeadLetterQueue", "Arn"]}}
    assert res["AsyncFailureDestinationPolicy"]["Properties"]["Roles"] == [{"Ref": "MigrateRole"}]
    assert "EventInvokeConfig" not in res["RouteWorker"]["Properties"]  # SQS: its queue's redrive instead
    assert {"AsyncDeadLetterQueueDepthAlarm", "EventTargetDeadLetterQueueDepthAlarm"} <= set(res)


def test_tables_are_protected_alarmed_and_backed_up_and_the_api_calls_the_alias(derived: dict[str, Any]) -> None:
    res = derived["Resources"]

    assert res["TenantsTable"]["Properties"]["DeletionProtectionEnabled"] is True
    assert "TenantsTableThrottlesAlarm" in res
    assert res["BackupSelection"]["Properties"]["BackupSelection"]["Resources"] == [
        {"Fn::GetAtt": ["TenantsTable", "Arn"]}]
    assert "${APIHandler.Alias}/invocations" in json.dumps(res["RestAPI"])
    assert json.loads(res["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])["widgets"]


def test_an_event_source_that_names_no_declared_resource_stops_the_build() -> None:
    template = _template()
    del template["Globals"]["Function"]["Environment"]["Variables"]["DELIVERY_QUEUE"]

    with pytest.raises(SystemExit, match="RouteWorker: its SQS source 'email-report-deliveries' is not a resource"):
        derive(template)
