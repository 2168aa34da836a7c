"""Derive the operations resources of every function, queue and table in the packaged template.

``chalice package`` writes the functions, ``.chalice/resources.json`` declares the data and the stage's
parameters; what follows from them is written here, once per thing declared, so a function, queue or table
added later is watched, rolled out and backed up like the others without anyone remembering to:

- every queue or topic event source: a reference to the template's resource (Chalice writes an ARN from the
  name it was packaged with, which is not the stage's name);
- every function: a log group with the stage's retention (named after the stack and the function's logical id,
  so the logs policy's ``/aws/lambda/${AWS::StackName}-*`` does not depend on the generated function names),
  Errors and Throttles alarms, the ``live`` alias with a CodeDeploy rollout stopped by its Errors alarm;
- every asynchronously invoked function (schedules, EventBridge, SNS): a failure destination, and for the
  EventBridge ones a target dead-letter queue and retry policy;
- every queue a function reads: an oldest-message-age alarm; every dead-letter queue: a depth alarm;
- every table: deletion protection, a throttles alarm, and a place in the daily backup plan;
- the API: its integrations call the ``live`` alias, so the API too goes through the canary;
- one dashboard of all of the above.

    python -m deploy.template dist/sam.json
"""

import json
import re
import sys
from pathlib import Path
from typing import Any

from chalicelib.resources import ASYNC_DEAD_LETTERS, EVENT_TARGET_DEAD_LETTERS, REPORT_QUEUE
from chalicelib.settings import Settings

ALIAS = "live"
ASYNC_EVENTS = frozenset({"Schedule", "CloudWatchEvent", "EventBridgeRule", "SNS"})
RULE_EVENTS = frozenset({"Schedule", "CloudWatchEvent", "EventBridgeRule"})
FAILURE_QUEUE = ASYNC_DEAD_LETTERS.logical_id
RULE_DEAD_LETTER_QUEUE = EVENT_TARGET_DEAD_LETTERS.logical_id
# How old the oldest message of a work queue may get (s). Reports: the midnight burst drains in ≈ 22 min at
# the planned SES rate (docs/scale.md), so an hour means stuck, not busy.
QUEUE_AGE_LIMITS = {REPORT_QUEUE.logical_id: 3600}
DEFAULT_QUEUE_AGE_LIMIT = 900
BACKUP_RETENTION_DAYS = 35
RUNBOOK = "docs/operations.md"

Template = dict[str, Any]


def _sub(text: str) -> dict[str, str] | str:
    return {"Fn::Sub": text} if "${" in text else text


def _alarm(description: str, namespace: str, metric: str, dimensions: dict[str, Any], threshold: float,
           statistic: str = "Sum", period: int = 300, evaluations: int = 1) -> dict[str, Any]:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmDescription": _sub(description), "Namespace": namespace, "MetricName": metric,
        "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions.items()],
        "Statistic": statistic, "Period": period, "EvaluationPeriods": evaluations, "Threshold": threshold,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "AlarmTopic"}], "OKActions": [{"Ref": "AlarmTopic"}]}}


def functions(template: Template) -> dict[str, dict[str, Any]]:
    """The app's functions (a merge-template fragment of a function that no longer exists has no handler)."""
    return {name: resource for name, resource in template["Resources"].items()
            if resource["Type"] == "AWS::Serverless::Function" and "Handler" in resource["Properties"]}


def _events(function: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return function["Properties"].get("Events", {})


def _declared_names(template: Template) -> dict[str, str]:
    """Packaged name → logical id: each ``Globals`` variable that names a resource, by its settings default
    (what Chalice read when it wrote the event sources)."""
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    return {str(Settings.model_fields[name.lower()].default): value["Fn::GetAtt"][0]
            for name, value in variables.items() if "Fn::GetAtt" in value and name.lower() in Settings.model_fields}


def _reference_event_sources(template: Template) -> None:
    declared = _declared_names(template)
    for name, function in functions(template).items():
        for event in _events(function).values():
            key = {"SQS": "Queue", "SNS": "Topic"}.get(event["Type"])
            if key is None:
                continue
            packaged = re.sub(r".*:", "", event["Properties"][key]["Fn::Sub"])
            if packaged not in declared:
                raise SystemExit(f"{name}: its {event['Type']} source {packaged!r} is not a resource named in the "
                                 "Globals of .chalice/resources.json; declare it there (and in settings)")
            logical = declared[packaged]
            event["Properties"][key] = {"Fn::GetAtt": [logical, "Arn"]} if key == "Queue" else {"Ref": logical}


def _watch_function(resources: dict[str, Any], name: str, function: dict[str, Any]) -> None:
    props = function["Properties"]
    resources[f"{name}LogGroup"] = {"Type": "AWS::Logs::LogGroup", "Properties": {
        "LogGroupName": _sub(f"/aws/lambda/${{AWS::StackName}}-{name}"),
        "RetentionInDays": {"Ref": "LogRetentionDays"}}}
    props["LoggingConfig"] = {"LogGroup": {"Ref": f"{name}LogGroup"}}
    dimensions = {"FunctionName": {"Ref": name}}
    resources[f"{name}ErrorsAlarm"] = _alarm(
        f"{name} failed (an exception, a timeout, out of memory); also stops its rollout: "
        f"{RUNBOOK}#function-errors", "AWS/Lambda", "Errors", dimensions, 1, period=60)
    resources[f"{name}ThrottlesAlarm"] = _alarm(
        f"{name} was throttled (account concurrency used up): {RUNBOOK}#function-throttles",
        "AWS/Lambda", "Throttles", dimensions, 1)
    props["AutoPublishAlias"] = ALIAS
    props["DeploymentPreference"] = {"Type": {"Ref": "DeploymentType"}, "Alarms": [{"Ref": f"{name}ErrorsAlarm"}]}


def _failure_destinations(resources: dict[str, Any], asynchronous: dict[str, dict[str, Any]]) -> None:
    """Lambda retries an asynchronous invocation twice, then sends it here instead of dropping it."""
    queue_arn = {"Fn::GetAtt": [FAILURE_QUEUE, "Arn"]}
    for function in asynchronous.values():
        function["Properties"]["EventInvokeConfig"] = {
            "MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 21600,
            "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": queue_arn}}}
        for event in _events(function).values():
            if event["Type"] in RULE_EVENTS:  # EventBridge could not invoke the function at all
                event["Properties"]["DeadLetterConfig"] = {"Arn": {"Fn::GetAtt": [RULE_DEAD_LETTER_QUEUE, "Arn"]}}
                event["Properties"]["RetryPolicy"] = {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 3600}
    # Chalice's roles are the functions' own: the destination's send is granted here, beside the destination.
    resources["AsyncFailureDestinationPolicy"] = {"Type": "AWS::IAM::Policy", "Properties": {
        "PolicyName": "AsyncFailureDestination",
        "Roles": [{"Ref": function["Properties"]["Role"]["Fn::GetAtt"][0]} for function in asynchronous.values()],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Sid": "FailedInvocations", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}]}}}


def _work_queues(template: Template) -> set[str]:
    return {event["Properties"]["Queue"]["Fn::GetAtt"][0] for function in functions(template).values()
            for event in _events(function).values() if event["Type"] == "SQS"}


_FAILURE_KEYS = frozenset({"deadLetterTargetArn", "TargetArn", "Destination", "DeadLetterConfig"})


def dead_letter_queues(template: Template) -> set[str]:
    """Every queue that holds what failed: redrive targets, function DLQs, failure destinations, rule DLQs."""
    found: set[str] = set()

    def visit(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            target = node.get("Arn", {}) if key == "DeadLetterConfig" else node
            if key in _FAILURE_KEYS and "Fn::GetAtt" in target:
                found.add(target["Fn::GetAtt"][0])
            for child_key, child in node.items():
                visit(child, child_key)
        elif isinstance(node, list):
            for child in node:
                visit(child, key)

    visit(template["Resources"])
    return {name for name in found if template["Resources"].get(name, {}).get("Type") == "AWS::SQS::Queue"}


def _watch_queues(template: Template) -> None:
    resources = template["Resources"]
    for queue in sorted(_work_queues(template)):
        limit = QUEUE_AGE_LIMITS.get(queue, DEFAULT_QUEUE_AGE_LIMIT)
        resources[f"{queue}AgeAlarm"] = _alarm(
            f"The oldest message in ${{{queue}.QueueName}} waited {limit} s: {RUNBOOK}#queue-age", "AWS/SQS",
            "ApproximateAgeOfOldestMessage", {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}}, limit,
            statistic="Maximum", evaluations=2)
    alarmed = {alarm["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for alarm in resources.values()
               if alarm["Type"] == "AWS::CloudWatch::Alarm"
               and alarm["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"}
    for queue in sorted(dead_letter_queues(template) - alarmed):
        resources[f"{queue}DepthAlarm"] = _alarm(
            f"Messages in ${{{queue}.QueueName}}: {RUNBOOK}#dead-letter-queues", "AWS/SQS",
            "ApproximateNumberOfMessagesVisible", {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}}, 1,
            statistic="Maximum")


def tables(template: Template) -> list[str]:
    return sorted(name for name, r in template["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table")


def _protect_tables(template: Template) -> None:
    resources = template["Resources"]
    for name in tables(template):
        resources[name]["Properties"]["DeletionProtectionEnabled"] = True
        metrics = [{"Id": metric.lower(), "ReturnData": False, "MetricStat": {"Stat": "Sum", "Period": 300, "Metric": {
            "Namespace": "AWS/DynamoDB", "MetricName": metric,
            "Dimensions": [{"Name": "TableName", "Value": {"Ref": name}}]}}}
            for metric in ("ReadThrottleEvents", "WriteThrottleEvents")]
        resources[f"{name}ThrottlesAlarm"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmDescription": _sub(f"${{{name}}} throttled requests: {RUNBOOK}#dynamodb-throttles"),
            "Metrics": [*metrics, {"Id": "throttles", "Expression": "readthrottleevents + writethrottleevents",
                                   "Label": "Throttled requests", "ReturnData": True}],
            "EvaluationPeriods": 2, "Threshold": 10, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}], "OKActions": [{"Ref": "AlarmTopic"}]}}
    resources["BackupVault"] = {"Type": "AWS::Backup::BackupVault", "DeletionPolicy": "Retain",
                                "UpdateReplacePolicy": "Retain",
                                "Properties": {"BackupVaultName": _sub("${AWS::StackName}-tables")}}
    resources["BackupPlan"] = {"Type": "AWS::Backup::BackupPlan", "Properties": {"BackupPlan": {
        "BackupPlanName": _sub("${AWS::StackName}-daily"),
        "BackupPlanRule": [{"RuleName": "daily", "TargetBackupVault": {"Ref": "BackupVault"},
                            "ScheduleExpression": "cron(0 3 * * ? *)", "StartWindowMinutes": 60,
                            "CompletionWindowMinutes": 480,
                            "Lifecycle": {"DeleteAfterDays": BACKUP_RETENTION_DAYS}}]}}}
    resources["BackupRole"] = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": [
            _sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
            _sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores")]}}
    resources["BackupSelection"] = {"Type": "AWS::Backup::BackupSelection", "Properties": {
        "BackupPlanId": {"Ref": "BackupPlan"}, "BackupSelection": {
            "SelectionName": "tables", "IamRoleArn": {"Fn::GetAtt": ["BackupRole", "Arn"]},
            "Resources": [{"Fn::GetAtt": [name, "Arn"]} for name in tables(template)]}}}


def _route_api_to_alias(template: Template) -> None:
    """API Gateway calls ``APIHandler:live``, not ``$LATEST``: a new version gets the canary's share only."""
    resources = template["Resources"]
    body = json.dumps(resources["RestAPI"]["Properties"]["DefinitionBody"])
    resources["RestAPI"]["Properties"]["DefinitionBody"] = json.loads(
        body.replace("${APIHandler.Arn}/invocations", "${APIHandler.Alias}/invocations"))
    resources["APIHandlerInvokePermission"]["Properties"]["FunctionName"] = {"Ref": "APIHandler.Alias"}


def _dashboard(template: Template) -> None:
    def widget(title: str, metrics: list[list[Any]], stat: str = "Sum") -> dict[str, Any]:
        return {"type": "metric", "width": 12, "height": 6, "properties": {
            "title": title, "region": "${AWS::Region}", "stat": stat, "period": 300, "metrics": metrics}}

    names = sorted(functions(template))
    api = ["ApiName", "email-report-${Stage}", "Stage", "v1"]
    queues = sorted(_work_queues(template) | dead_letter_queues(template))
    custom = ["DeliveriesSent", "DeliveriesFailed", "DeliveriesRetried", "DeliveriesDead", "DeliveriesPaced",
              "IntegrationsAutoDisabled", "ReportsRendered", "EventsIngested"]
    widgets = [
        widget("Function errors", [["AWS/Lambda", "Errors", "FunctionName", f"${{{n}}}"] for n in names]),
        widget("Function throttles", [["AWS/Lambda", "Throttles", "FunctionName", f"${{{n}}}"] for n in names]),
        widget("Function duration p99 (ms)", [["AWS/Lambda", "Duration", "FunctionName", f"${{{n}}}"]
                                              for n in names], stat="p99"),
        widget("Concurrent executions", [["AWS/Lambda", "ConcurrentExecutions", "FunctionName", f"${{{n}}}"]
                                         for n in names], stat="Maximum"),
        widget("Oldest message (s)", [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName",
                                       f"${{{q}.QueueName}}"] for q in queues], stat="Maximum"),
        widget("Messages waiting", [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName",
                                     f"${{{q}.QueueName}}"] for q in queues], stat="Maximum"),
        widget("API", [["AWS/ApiGateway", metric, *api] for metric in ("Count", "4XXError", "5XXError")]),
        widget("API latency p99 (ms)", [["AWS/ApiGateway", "Latency", *api]], stat="p99"),
        widget("SES reputation", [["AWS/SES", "Reputation.BounceRate"], ["AWS/SES", "Reputation.ComplaintRate"]],
               stat="Maximum"),
        widget("SES sending", [["AWS/SES", metric] for metric in ("Send", "Delivery", "Bounce", "Complaint")]),
        widget("Mail pipeline", [["EmailReport", metric, "service", "email-report"] for metric in custom]),
        widget("DynamoDB throttled requests", [["AWS/DynamoDB", metric, "TableName", f"${{{t}}}"]
                                               for t in tables(template)
                                               for metric in ("ReadThrottleEvents", "WriteThrottleEvents")]),
    ]
    template["Resources"]["Dashboard"] = {"Type": "AWS::CloudWatch::Dashboard", "Properties": {
        "DashboardName": _sub("${AWS::StackName}"), "DashboardBody": _sub(json.dumps({"widgets": widgets}))}}


def derive(template: Template) -> Template:
    """``template`` with the operations resources of everything it declares (changed in place, and returned)."""
    resources = template["Resources"]
    _reference_event_sources(template)
    found = functions(template)
    for name, function in found.items():
        _watch_function(resources, name, function)
    _failure_destinations(resources, {name: function for name, function in found.items()
                                      if any(e["Type"] in ASYNC_EVENTS for e in _events(function).values())})
    _watch_queues(template)
    _protect_tables(template)
    _route_api_to_alias(template)
    _dashboard(template)
    return template


def main(path: Path) -> None:
    template = derive(json.loads(path.read_text()))
    path.write_text(json.dumps(template, indent=2) + "\n")
    print(f"{path}: operations resources for {len(functions(template))} functions, "
          f"{len(tables(template))} tables, {len(dead_letter_queues(template))} dead-letter queues")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
