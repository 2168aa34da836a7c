"""The packaged template is one an operator can deploy, watch, roll out and restore: stage parameters, the SES
identity, the operator secret, an alarm with a runbook entry for every function, queue and table, aliases with a
canary, and a deployed form (after the SAM transform) that cfn-lint and checkov pass, but for
.chalice/lint-allowlist.yaml.

The packaging runs once per session (tests/support/packaging.py); the linters run from .venv-lint (make lint-env).
"""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.settings import Settings
from deploy.template import RUNBOOK, dead_letter_queues, functions
from tests.support.packaging import ROOT

# one worker: `chalice package` (a session fixture) runs once; the tests read its template and store nothing
pytestmark = [pytest.mark.xdist_group("package"), pytest.mark.writes_nothing]

LINT_BIN = ROOT / ".venv-lint" / "bin"
ALLOWLIST = ROOT / ".chalice" / "lint-allowlist.yaml"
FUNCTIONS = ["APIHandler", "DeliveryWorker", "HealthCheck", "ReportScheduler", "ReportWorker", "DigestPass",
             "PlatformEvents", "SesFeedback", "TriggerGroups"]
ASYNC_FUNCTIONS = ["HealthCheck", "ReportScheduler", "DigestPass", "PlatformEvents", "SesFeedback"]
TABLES = ["TenantsTable", "TokensTable", "IntegrationsTable", "EventsTable", "DeliveriesTable", "CountersTable",
          "IdempotencyTable", "SecurityTable", "ReportsTable", "TriggersTable", "SuppressionsTable"]


def _alarms(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in sam["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def _alarm_on(sam: dict[str, Any], metric: str, dimension: Any = None) -> dict[str, Any]:
    """The alarm on ``metric`` (of ``dimension``'s value, when given) that notifies the alarm topic."""
    found = [alarm for alarm in _alarms(sam).values() if alarm.get("MetricName") == metric
             and (dimension is None or [d["Value"] for d in alarm.get("Dimensions", [])][:1] == [dimension])]
    assert len(found) == 1, f"{len(found)} alarms on {metric} {dimension}"
    assert found[0]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    return found[0]


def _sqs_sources(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: event["Properties"] for name, function in functions(sam).items()
            for event in function["Properties"].get("Events", {}).values() if event["Type"] == "SQS"}


# --- parameters and configuration -------------------------------------------------------------------------

@pytest.mark.parametrize("parameter", ["Stage", "SenderDomain", "SenderLocalPart", "ConsoleUrl", "CustomDomainName",
                                       "CertificateArn", "AlarmEndpoint", "LogRetentionDays", "OperatorTokenSecretArn",
                                       "DeploymentType", "DeliveryConcurrency", "ReportConcurrency"])
def test_the_stage_is_configured_by_parameters(sam: dict[str, Any], parameter: str) -> None:
    assert parameter in sam["Parameters"]
    assert sam["Parameters"][parameter].get("Description") or "AllowedValues" in sam["Parameters"][parameter]


@pytest.mark.parametrize(("variable", "expected"), [
    ("SENDER_EMAIL", {"Fn::Sub": "${SenderLocalPart}@${SenderDomain}"}),
    ("CONSOLE_URL", {"Fn::If": ["HasCustomDomain", {"Fn::Sub": "https://${CustomDomainName}/console"},
                                {"Ref": "ConsoleUrl"}]}),
    ("STAGE", {"Ref": "Stage"}),
    ("SES_CONFIGURATION_SET", {"Ref": "SesConfigurationSet"}),
    ("OPERATOR_TOKEN_SECRET", {"Fn::If": ["GenerateOperatorToken", {"Ref": "OperatorTokenSecret"},
                                          {"Ref": "OperatorTokenSecretArn"}]}),
])
def test_every_function_takes_its_configuration_from_the_parameters(sam: dict[str, Any], variable: str,
                                                                   expected: Any) -> None:
    assert sam["Globals"]["Function"]["Environment"]["Variables"][variable] == expected
    assert variable.lower() in Settings.model_fields
    overridden = [name for name, f in functions(sam).items() if variable in f["Properties"]["Environment"]["Variables"]]
    assert overridden == []


def test_the_stack_refuses_a_missing_console_url_before_anything_is_created(sam: dict[str, Any]) -> None:
    assertion = sam["Rules"]["ConsoleUrlIsGiven"]["Assertions"][0]
    assert "ConsoleUrl" in json.dumps(assertion["Assert"]) and "CustomDomainName" in json.dumps(assertion["Assert"])
    assert sam["Rules"]["CustomDomainHasCertificate"]["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]}
    assert sam["Resources"]["ApiDomainName"]["Condition"] == "HasCustomDomain"


def test_the_sender_domain_is_an_ses_identity_with_dkim_and_its_dns_records_are_outputs(sam: dict[str, Any]) -> None:
    identity = sam["Resources"]["SenderIdentity"]
    props = identity["Properties"]
    outputs = json.dumps(sam["Outputs"])

    assert identity["Type"] == "AWS::SES::EmailIdentity" and props["EmailIdentity"] == {"Ref": "SenderDomain"}
    assert props["DkimAttributes"] == {"SigningEnabled": True}
    assert props["ConfigurationSetAttributes"]["ConfigurationSetName"] == {"Ref": "SesConfigurationSet"}
    assert props["MailFromAttributes"]["MailFromDomain"] == {"Fn::Sub": "bounce.${SenderDomain}"}
    for n in (1, 2, 3):
        assert f"${{SenderIdentity.DkimDNSTokenName{n}}} ${{SenderIdentity.DkimDNSTokenValue{n}}}" in outputs
    assert "feedback-smtp.${AWS::Region}.amazonses.com" in outputs and "v=spf1 include:amazonses.com" in outputs


@pytest.mark.parametrize("kind", ["AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::SES::ConfigurationSet",
                                  "AWS::SecretsManager::Secret"])
def test_names_are_stage_scoped_so_two_stages_share_an_account(sam: dict[str, Any], kind: str) -> None:
    named = {name: r["Properties"].get("QueueName") or r["Properties"].get("TopicName") or r["Properties"]["Name"]
             for name, r in sam["Resources"].items() if r["Type"] == kind}
    assert named
    assert {name: value for name, value in named.items() if "${Stage}" not in json.dumps(value)} == {}


def test_event_sources_name_the_stages_queues_and_topic_not_the_packaged_names(sam: dict[str, Any]) -> None:
    sources = [event["Properties"] for f in functions(sam).values()
               for event in f["Properties"].get("Events", {}).values() if event["Type"] in {"SQS", "SNS"}]
    assert len(sources) == 5  # delivery, report, trigger-group and route queues; the SES feedback topic
    assert [s for s in sources if "Fn::Sub" in json.dumps(s)] == []


# --- the operator token -----------------------------------------------------------------------------------

def test_the_operator_token_is_generated_by_the_stack_or_taken_by_arn_and_only_the_api_reads_it(
        sam: dict[str, Any]) -> None:
    secret = sam["Resources"]["OperatorTokenSecret"]
    readers = [name for name, f in functions(sam).items() if "secretsmanager:GetSecretValue" in json.dumps(
        sam["Resources"][f["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]["Policies"])]

    assert secret["Condition"] == "GenerateOperatorToken" and secret["DeletionPolicy"] == "Retain"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert sam["Conditions"]["GenerateOperatorToken"] == {"Fn::Equals": [{"Ref": "OperatorTokenSecretArn"}, ""]}
    assert readers == ["APIHandler"]


# --- alarms, dashboard, runbook -----------------------------------------------------------------------------

@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_errors_and_throttles_alarms(sam: dict[str, Any], function: str) -> None:
    assert function in functions(sam)
    errors = _alarm_on(sam, "Errors", {"Ref": function})
    _alarm_on(sam, "Throttles", {"Ref": function})
    assert errors["Namespace"] == "AWS/Lambda" and errors["Threshold"] == 1


@pytest.mark.parametrize("queue", ["DeliveryQueue", "ReportQueue", "TriggerGroupQueue"])
def test_every_work_queue_has_an_oldest_message_alarm(sam: dict[str, Any], queue: str) -> None:
    read = {source["Queue"]["Fn::GetAtt"][0] for source in _sqs_sources(sam).values()}
    alarm = _alarm_on(sam, "ApproximateAgeOfOldestMessage", {"Fn::GetAtt": [queue, "QueueName"]})

    assert queue in read and alarm["Statistic"] == "Maximum"


def test_every_dead_letter_queue_and_failure_destination_pages(sam: dict[str, Any]) -> None:
    queues = dead_letter_queues(sam)

    assert {"DeliveryDeadLetterQueue", "ReportDeadLetterQueue", "TriggerGroupDeadLetterQueue", "AsyncDeadLetterQueue",
            "EventTargetDeadLetterQueue"} <= queues
    for queue in queues:
        _alarm_on(sam, "ApproximateNumberOfMessagesVisible", {"Fn::GetAtt": [queue, "QueueName"]})


@pytest.mark.parametrize(("metric", "namespace"), [
    ("5XXError", "AWS/ApiGateway"), ("Latency", "AWS/ApiGateway"), ("Reputation.BounceRate", "AWS/SES"),
    ("Reputation.ComplaintRate", "AWS/SES"), ("DeliveriesDead", "EmailReport"),
    ("IntegrationsAutoDisabled", "EmailReport"),
])
def test_service_wide_alarms(sam: dict[str, Any], metric: str, namespace: str) -> None:
    alarm = _alarm_on(sam, metric)
    assert alarm["Namespace"] == namespace
    if namespace == "EmailReport":  # a metric the code emits, under the dimension powertools gives it
        emitted = subprocess.run(["grep", "-rn", f'count("{metric}"', str(ROOT / "chalicelib")],
                                 capture_output=True, text=True)
        assert emitted.stdout, f"nothing emits {metric}"
        assert alarm["Dimensions"] == [{"Name": "service", "Value": "email-report"}]
    if metric == "Latency":
        assert alarm["ExtendedStatistic"] == "p99"


@pytest.mark.parametrize("table", TABLES)
def test_every_table_has_a_throttles_alarm_deletion_protection_and_a_backup(sam: dict[str, Any], table: str) -> None:
    resource = sam["Resources"][table]
    alarm = sam["Resources"][f"{table}ThrottlesAlarm"]["Properties"]
    selection = sam["Resources"]["BackupSelection"]["Properties"]["BackupSelection"]

    assert resource["Type"] == "AWS::DynamoDB::Table"
    assert resource["Properties"]["DeletionProtectionEnabled"] is True
    assert resource["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m} == {
        "ReadThrottleEvents", "WriteThrottleEvents"}
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert {"Fn::GetAtt": [table, "Arn"]} in selection["Resources"]


def test_the_backup_plan_keeps_daily_backups(sam: dict[str, Any]) -> None:
    [rule] = sam["Resources"]["BackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["ScheduleExpression"].startswith("cron(") and rule["Lifecycle"]["DeleteAfterDays"] == 35
    runbook = (ROOT / RUNBOOK).read_text()
    assert "RPO" in runbook and "RTO" in runbook


def test_alarms_reach_the_endpoint_of_the_parameter(sam: dict[str, Any]) -> None:
    subscription = sam["Resources"]["AlarmSubscription"]
    assert subscription["Condition"] == "HasAlarmEndpoint"
    assert subscription["Properties"] == {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": {"Ref": "AlarmProtocol"},
                                          "Endpoint": {"Ref": "AlarmEndpoint"}}


def test_the_dashboard_shows_every_function_queue_and_table(sam: dict[str, Any]) -> None:
    body = sam["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    json.loads(body)
    for name in [*FUNCTIONS, *TABLES]:
        assert f"${{{name}}}" in body, name
    for queue in ["DeliveryQueue", "ReportQueue", "TriggerGroupQueue", *dead_letter_queues(sam)]:
        assert f"${{{queue}.QueueName}}" in body, queue


def _runbook_anchors() -> set[str]:
    """GitHub's anchors of the runbook's headings."""
    headings = re.findall(r"^#+ (.+)$", (ROOT / RUNBOOK).read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_every_alarm_names_its_runbook_entry(sam: dict[str, Any]) -> None:
    anchors = _runbook_anchors()
    missing = {}
    for name, alarm in _alarms(sam).items():
        link = re.search(rf"{re.escape(RUNBOOK)}#([\w-]+)", json.dumps(alarm["AlarmDescription"]))
        if link is None or link.group(1) not in anchors:
            missing[name] = link.group(1) if link else None
    assert missing == {}
    assert "trigger-groups-dlq" in (ROOT / RUNBOOK).read_text()


@pytest.mark.parametrize("function", ASYNC_FUNCTIONS)
def test_every_asynchronously_invoked_function_has_a_failure_destination(sam: dict[str, Any], function: str) -> None:
    props = functions(sam)[function]["Properties"]
    destination = props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    granted = sam["Resources"]["AsyncFailureDestinationPolicy"]["Properties"]

    assert destination == {"Type": "SQS", "Destination": {"Fn::GetAtt": ["AsyncDeadLetterQueue", "Arn"]}}
    assert {"Ref": props["Role"]["Fn::GetAtt"][0]} in granted["Roles"]
    for event in props["Events"].values():
        if event["Type"] in {"Schedule", "CloudWatchEvent"}:
            assert event["Properties"]["DeadLetterConfig"] == {
                "Arn": {"Fn::GetAtt": ["EventTargetDeadLetterQueue", "Arn"]}}
            assert event["Properties"]["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0


# --- rollout and limits -------------------------------------------------------------------------------------

@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_rolls_out_through_an_alias_with_a_canary_stopped_by_its_errors(sam: dict[str, Any],
                                                                                     function: str) -> None:
    props = functions(sam)[function]["Properties"]
    log_group = sam["Resources"][f"{function}LogGroup"]["Properties"]

    assert props["AutoPublishAlias"] == "live"
    assert props["DeploymentPreference"] == {"Type": {"Ref": "DeploymentType"},
                                             "Alarms": [{"Ref": f"{function}ErrorsAlarm"}]}
    assert sam["Parameters"]["DeploymentType"]["Default"].startswith("Canary")
    assert props["LoggingConfig"] == {"LogGroup": {"Ref": f"{function}LogGroup"}}
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # the logs policy matches the log group by the stack's name, never by the generated function name
    assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{function}"}


def test_the_logs_policy_covers_the_log_groups_without_generated_names(sam: dict[str, Any]) -> None:
    for function in functions(sam).values():
        role = sam["Resources"][function["Properties"]["Role"]["Fn::GetAtt"][0]]
        [logs] = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]
                  if s["Sid"] == "Logs"]
        assert {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                           "/aws/lambda/${AWS::StackName}-*:log-stream:*"} in logs["Resource"]


def test_the_api_calls_the_alias_and_has_access_logs_throttling_and_tracing(sam: dict[str, Any]) -> None:
    api = sam["Resources"]["RestAPI"]["Properties"]
    [settings] = api["MethodSettings"]
    uris = {json.dumps(method["x-amazon-apigateway-integration"]["uri"])
            for path in api["DefinitionBody"]["paths"].values() for method in path.values()}

    assert api["TracingEnabled"] is True
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert "$context.requestId" in api["AccessLogSetting"]["Format"]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] >= settings["ThrottlingRateLimit"]
    assert uris and all("${APIHandler.Alias}/invocations" in uri for uri in uris)
    assert sam["Resources"]["APIHandlerInvokePermission"]["Properties"]["FunctionName"] == {"Ref": "APIHandler.Alias"}
    assert sam["Resources"]["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("function", ["DeliveryWorker", "ReportWorker", "TriggerGroups"])
def test_queue_readers_are_bounded_and_their_visibility_covers_six_function_timeouts(sam: dict[str, Any],
                                                                                  function: str) -> None:
    source = _sqs_sources(sam)[function]
    queue = sam["Resources"][source["Queue"]["Fn::GetAtt"][0]]["Properties"]
    timeout = functions(sam)[function]["Properties"]["Timeout"]
    concurrency = source["ScalingConfig"]["MaximumConcurrency"]

    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert sam["Parameters"][concurrency["Ref"]]["MaxValue"] <= 1000


# --- the deployed template, linted ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def deployed(packaged: Path) -> Path:
    """dist/sam.json after the SAM transform: what CloudFormation creates."""
    assert (LINT_BIN / "python").exists(), "the template linters are missing: run `make lint-env`"
    target = packaged / "cloudformation.json"
    result = subprocess.run([str(LINT_BIN / "python"), "-m", "deploy.transform", str(packaged / "sam.json"),
                             str(target)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def _allowed() -> list[dict[str, Any]]:
    entries = yaml.safe_load(ALLOWLIST.read_text())
    assert all(len(entry["reason"].split()) >= 8 for entry in entries), "every entry gives its reason"
    return entries


def _unexplained(tool: str, findings: set[tuple[str, str]]) -> tuple[set[tuple[str, str]], list[str]]:
    """The findings no entry allows, and the entries that allow nothing any more."""
    entries = [entry for entry in _allowed() if entry["tool"] == tool]

    def allows(entry: dict[str, Any], rule: str, resource: str) -> bool:
        return entry["rule"] == rule and (entry["resources"] == "*" or resource in entry["resources"])

    left = {(rule, resource) for rule, resource in findings if not any(allows(e, rule, resource) for e in entries)}
    stale = [f"{e['rule']} {e['resources']}" for e in entries
             if not any(allows(e, rule, resource) for rule, resource in findings)]
    return left, stale


def test_cfn_lint_finds_nothing_in_the_deployed_template_but_the_allowlist(deployed: Path) -> None:
    result = subprocess.run([str(LINT_BIN / "cfn-lint"), "--format", "json", str(deployed)], capture_output=True,
                            text=True, timeout=300)
    findings = {(m["Rule"]["Id"], m["Location"]["Path"][1] if len(m["Location"]["Path"]) > 1 else "")
                for m in json.loads(result.stdout or "[]")}

    assert _unexplained("cfn-lint", findings) == (set(), [])


def test_checkov_finds_nothing_in_the_deployed_template_but_the_allowlist(deployed: Path) -> None:
    result = subprocess.run([str(LINT_BIN / "checkov"), "--quiet", "--framework", "cloudformation", "-o", "json",
                             "-f", str(deployed)], capture_output=True, text=True, timeout=600)
    report = json.loads(result.stdout)
    findings = {(check["check_id"], check["resource"].partition(".")[2])
                for check in report["results"]["failed_checks"]}

    assert report["summary"]["parsing_errors"] == 0 and report["summary"]["passed"] > 100
    assert _unexplained("checkov", findings) == (set(), [])
