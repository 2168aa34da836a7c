"""The permission check: every AWS call the scenario tier makes under a Lambda entry point, against that function's
policy in the packaged template, read as IAM reads it (tests/support/iam.py).

Recording (:func:`recording`, opened by the session's moto fixture): a hook on the boto3 session the app's clients
come from sees every call, presigned links included; the entry point running is the function chalice's test client
invokes (``lambda_.invoke(name)``; an HTTP request is ``api_handler``). Calls outside an entry point (a test's set-up,
the pollers standing in for Lambda's SQS polling) are not a function's and are not recorded.

Checking (:func:`check`, at the session's end: tests/scenario/conftest.py): each pytest process writes its record,
the main one merges them (pytest-xdist's workers too) and packages the template. The run fails on a use that no
policy allows, on a call this module cannot translate, and, when the run selected the whole scenario tier, on a
function in the template that never ran. Grants that nothing used are listed in tests/artifacts/permissions.json.
"""

import contextlib
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import TestHTTPClient, TestLambdaClient
from moto.core import DEFAULT_ACCOUNT_ID

from chalicelib.resources import SETTINGS
from chalicelib.settings import get_settings
from tests.support import iam, packaging
from tests.support.iam import Stack, Unmapped, Use, Where, listed

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "tests" / "scenario"
ARTIFACT = ROOT / "tests" / "artifacts" / "permissions.json"
UNMAPPED = "(no IAM translation: teach tests/support/iam.py this call)"
API_FUNCTION = "api_handler"  # Chalice's name for the function behind the API

# Granted for paths only AWS takes, or that the scenario tier does not reach, each with its reason: keyed by
# (action, resource pattern) for every function, or (function, action, resource pattern) for one. "unsure:" marks a
# grant kept because a code path to it could not be ruled out. (What Lambda itself does for a function, from its
# template, is derived: lambda_uses.)
AWS_ONLY: dict[tuple[str, ...], str] = {
    ("ses:SendRawEmail", "arn:aws:ses:*:*:configuration-set/*"):
        "deployed mail names SES_CONFIGURATION_SET (X-SES-CONFIGURATION-SET: bounces and complaints); the tests "
        "send without one",
}


def _table(name: str) -> str:
    return f"arn:aws:dynamodb:*:*:table/*-{name}"


def _queue(name: str) -> str:
    return f"arn:aws:sqs:*:*:*-{name}"


_IDEMPOTENCY = ("powertools idempotency (aws.idempotency.once): GetItem when a repeated EventBridge delivery finds "
                "the record, DeleteItem when the pass raises")
_UNTRACED = "unsure: {repo} is in the handler's import closure; no path to this call ruled out"
# (function, actions, resource, reason): kept after the audit of the grants the whole scenario tier left unused
_KEPT: list[tuple[str, tuple[str, ...], str, str]] = [
    ("api_handler", ("DeleteItem",), _table("counters"),
     "unsure: trigger_windows_repo.close/drop_closed (the only DeleteItem on counters) are in the API's import "
     "closure (events → triggers.evaluate)"),
    ("api_handler", ("s3:DeleteObject",), "arn:aws:s3:::*/reports/*",
     "tenant deletion (tenant_data._blobs: DeleteObjects, s3:DeleteObject per key) removes the tenant's stored "
     "reports; unsure the deletion tests leave any"),
    ("delivery_worker", ("GetItem",), _table("integrations"),
     "integrations_repo.with_key re-reads the integration when another writer won the unsubscribe-key write"),
    *[(function, ("GetItem", "DeleteItem"), _table("idempotency"), _IDEMPOTENCY)
      for function in ("digest_pass", "health_check", "report_scheduler")],
    *[(function, ("GetItem", "PutItem", "UpdateItem", "DeleteItem"), _table("counters"),
       "triggers.evaluate on a routed event: a threshold count (trigger_windows_repo.add), a full group closed "
       "(open_group GetItem, close: transaction Delete+Put)")
      for function in ("event_router", "platform_events")],
    *[(function, ("UpdateItem",), _table("triggers"),
       "a threshold trigger that fires on a routed event: triggers.alerts.send → triggers_repo.record_firing")
      for function in ("event_router", "platform_events")],
    *[(function, ("GetItem", "PutItem", "DeleteItem"), _table("triggers"),
       _UNTRACED.format(repo="triggers_repo (ingest → triggers.service)"))
      for function in ("event_router", "platform_events")],
    *[(function, ("Query", "UpdateItem", "DeleteItem"), _table("security"),
       "security events routed through ingest: security_table.query, count updates, a vulnerability that closes "
       "deletes its open item (security_vulnerabilities)")
      for function in ("event_router", "platform_events")],
    ("event_router", ("PutItem",), _table("events"), _UNTRACED.format(repo="events_repo.put_item (one event)")),
    *[(function, ("GetItem",), _table("deliveries"),
       "outbox.enqueue_all re-reads a delivery that already existed (_still_waiting: a repeated event, pass or job)")
      for function in ("digest_pass", "event_router", "platform_events", "health_check", "report_worker",
                       "trigger_groups")],
    *[(function, ("GetItem",), _table("integrations"), _UNTRACED.format(repo="integrations_repo.get"))
      for function in ("event_router", "platform_events", "report_worker")],
    *[(function, ("sqs:SendMessage", "sqs:GetQueueUrl"), _queue("event-routes"),
       "ingest: _route_if_claimed re-queues an event whose claim another router holds (send_routes at the claim's "
       "end) and route_queued re-sends one due later (queue.chain)")
      for function in ("event_router", "platform_events", "health_check")],
    *[(function, ("sqs:SendMessage", "sqs:GetQueueUrl"), _queue("trigger-groups"),
       "triggers.evaluate._join_group queues a group's flush; flush re-sends one due more than SQS's 15-minute "
       "maximum delay away (queue.chain)")
      for function in ("event_router", "platform_events", "trigger_groups")],
    ("health_check", ("GetItem", "UpdateItem", "DeleteItem"), _table("counters"),
     _UNTRACED.format(repo="counters_repo (mark_once) and trigger_windows_repo (platform events ingested inline)")),
    ("health_check", ("GetItem",), _table("events"), _UNTRACED.format(repo="events_repo (platform events)")),
    ("health_check", ("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"), _table("security"),
     _UNTRACED.format(repo="security_* (platform events ingested inline)")),
    ("health_check", ("UpdateItem", "DeleteItem"), _table("integrations"),
     _UNTRACED.format(repo="integrations_repo (the pass disables integrations)")),
    ("health_check", ("Query", "UpdateItem"), _table("reports"),
     _UNTRACED.format(repo="report_schedules_repo/reports_repo/digests_repo")),
    ("platform_events", ("PutItem", "UpdateItem"), _table("reports"),
     "digests_repo.gather: an event for a digest-mode integration joins its period (transaction Put + Update)"),
    ("report_scheduler", ("DeleteItem",), _table("reports"),
     "reports.scheduler.queue_due drops a due schedule whose tenant is gone (report_schedules_repo.remove)"),
    ("report_worker", ("DeleteItem",), _table("reports"), _UNTRACED.format(repo="report_schedules_repo.remove")),
    ("report_worker", ("GetItem",), _table("security"), _UNTRACED.format(repo="security_vulnerabilities.get")),
    ("report_worker", ("s3:GetObject",), "arn:aws:s3:::*/reports/*", _UNTRACED.format(repo="blobs")),
    ("report_worker", ("UpdateItem",), _table("tenants"),
     _UNTRACED.format(repo="tenants_repo (the data migration's page, tenants.upgrade.run_page)")),
]
AWS_ONLY |= {(function, action if ":" in action else f"dynamodb:{action}", resource): reason
             for function, actions, resource, reason in _KEPT for action in actions}

_function: ContextVar[str | None] = ContextVar("lambda_function", default=None)
_record: dict[tuple[str, Use], str] = {}  # (function, use) → the first test that made it
_sinks: list[set[tuple[str, Use]]] = []
_selected: set[str] = set()


def _on_call(params: Mapping[str, Any], model: Any, context: Mapping[str, Any], **_: Any) -> None:
    function = _function.get()
    if function is None:
        return
    # not get_settings(): the hook must leave the app's settings cache as the app fills it
    where = Where(context.get("client_region") or os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), DEFAULT_ACCOUNT_ID)
    service = model.service_model.service_name
    try:
        found = iam.uses(service, model.name, params, where)
    except Unmapped as error:
        found = [Use(str(error), UNMAPPED)]
    except (KeyError, TypeError, AttributeError) as error:  # params botocore is about to refuse: never break the call
        found = [Use(f"{service}:{model.name} ({error!r})", UNMAPPED)]
    # The app addresses a queue by name: queue.queue_url asks SQS once per process. On AWS each function is a
    # process of its own; here every function shares one, so only the first to send would ask.
    found += [Use("sqs:GetQueueUrl", use.resource) for use in found if use.action == "sqs:SendMessage"]
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    for use in found:
        _record.setdefault((function, use), test)
        for sink in _sinks:
            sink.add((function, use))


def _entry_point(method: Callable[..., Any], name: Callable[..., str]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = _function.set(name(*args, **kwargs))
        try:
            return method(self, *args, **kwargs)
        finally:
            _function.reset(token)

    return run


def _invoked(function_name: str, *_: Any, **__: Any) -> str:
    return function_name


@contextmanager
def recording() -> Iterator[None]:
    """Record the calls of every client made from boto3's default session from now on (clients copy the
    session's hooks when they are made: open this before the app makes its clients)."""
    session = boto3._get_default_session()
    session.events.register("before-parameter-build", _on_call)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TestLambdaClient, "invoke", _entry_point(TestLambdaClient.invoke, _invoked))
        patch.setattr(TestHTTPClient, "request", _entry_point(TestHTTPClient.request, lambda *_, **__: API_FUNCTION))
        try:
            yield
        finally:
            session.events.unregister("before-parameter-build", _on_call)


@contextmanager
def captured() -> Iterator[set[tuple[str, Use]]]:
    """The (function, use) pairs recorded inside the block."""
    sink: set[tuple[str, Use]] = set()
    _sinks.append(sink)
    try:
        yield sink
    finally:
        _sinks.remove(sink)


# --- the packaged template, deployed on moto --------------------------------------------------------------------


_NAME_PROPERTIES = ("TableName", "QueueName", "BucketName", "TopicName", "FunctionName", "LogGroupName", "Name")


def _declared_name(props: Mapping[str, Any]) -> Any:
    return next((props[key] for key in _NAME_PROPERTIES if key in props), None)


def stack(template: Mapping[str, Any]) -> Stack:
    """``template`` with the physical names moto has: the settings' names for the resources the functions are
    wired to (``Globals``), a declared name for the others, a made-up one (as CloudFormation would) otherwise."""
    settings = get_settings()
    wired = {one.logical_id: getattr(settings, setting) for setting, one in SETTINGS.items()}
    declared = {logical: _declared_name(resource.get("Properties", {}))
                for logical, resource in template["Resources"].items()}
    names = {logical: wired.get(logical) or f"email-report-{logical}-EXAMPLE" for logical in template["Resources"]}
    where = Where(settings.aws_region, DEFAULT_ACCOUNT_ID)
    parameters = _parameters_from_settings(template)
    draft = Stack(template, names, where, parameters)
    for logical, name in declared.items():
        if name is not None and logical not in wired:
            with contextlib.suppress(Unmapped):  # a name this stack cannot give: the made-up one stays
                names[logical] = str(draft.resolve(name))
    return Stack(template, names, where, parameters)


def _parameters_from_settings(template: Mapping[str, Any]) -> dict[str, str]:
    """A parameter a function's environment variable takes (``Ref``) has the value the tests' settings give it."""
    settings, declared = get_settings(), template.get("Parameters", {})
    environments = [template.get("Globals", {}).get("Function", {})] + [
        resource["Properties"] for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"]
    found = {}
    for environment in environments:
        for variable, value in environment.get("Environment", {}).get("Variables", {}).items():
            if isinstance(value, dict) and value.get("Ref") in declared and \
                    getattr(settings, variable.lower(), None) is not None:
                found[value["Ref"]] = str(getattr(settings, variable.lower()))
    return found


def functions(template: Mapping[str, Any]) -> dict[str, str]:
    """Entry point (as chalice's test client names it) → the function's logical id."""
    found = {}
    for logical, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function" and "Handler" in resource["Properties"]:
            handler = resource["Properties"]["Handler"].rsplit(".", 1)[1]
            found[API_FUNCTION if handler == "app" else handler] = logical
    return found


def statements(deployed: Stack, logical: str) -> list[dict[str, Any]]:
    """The function's policy statements, resolved (its role's inline policies, or SAM's ``Policies`` documents)."""
    props = deployed.template["Resources"][logical]["Properties"]
    if "Role" in props:
        role = deployed.template["Resources"][props["Role"]["Fn::GetAtt"][0]]["Properties"]
        if role.get("ManagedPolicyArns"):
            raise Unmapped(f"{logical}: managed policies are not read")
        documents = [policy["PolicyDocument"] for policy in role.get("Policies", [])]
    else:
        documents = listed(props.get("Policies", []))
    if any("Statement" not in document for document in documents):
        raise Unmapped(f"{logical}: SAM policy templates are not read")
    return [deployed.resolve(statement) for document in documents for statement in listed(document["Statement"])]


_DESTINATION_ACTIONS = {"SQS": "sqs:SendMessage", "SNS": "sns:Publish", "Lambda": "lambda:InvokeFunction",
                        "EventBridge": "events:PutEvents"}


def lambda_uses(deployed: Stack, logical: str) -> dict[Use, str]:
    """What Lambda does with the function's role on its behalf (its template says what), and why."""
    props = deployed.template["Resources"][logical]["Properties"]
    defaults = deployed.template.get("Globals", {}).get("Function", {})
    group = deployed.resolve(props.get("LoggingConfig", {}).get("LogGroup", f"/aws/lambda/{deployed.names[logical]}"))
    log_group = deployed.where.arn("logs", f"log-group:{group}")
    found = {Use(action, f"{log_group}:log-stream:2026/11/25/[$LATEST]0"): "Lambda writes the function's logs"
             for action in ("logs:CreateLogStream", "logs:PutLogEvents")}
    declared = [deployed.resolve(resource["Properties"].get("LogGroupName"))
                for resource in deployed.template["Resources"].values() if resource["Type"] == "AWS::Logs::LogGroup"]
    if group not in declared:
        found[Use("logs:CreateLogGroup", log_group)] = "Lambda creates the function's log group"
    if props.get("Tracing", defaults.get("Tracing")) == "Active":
        found |= {Use(action, "*"): "active tracing"
                  for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords")}
    for event in props.get("Events", {}).values():
        if event["Type"] == "SQS":
            queue = deployed.resolve(event["Properties"]["Queue"])
            found |= {Use(action, queue): "Lambda polls the function's SQS event source"
                      for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")}
    if "DeadLetterQueue" in props:
        target = props["DeadLetterQueue"]
        found[Use(_DESTINATION_ACTIONS[target["Type"]], deployed.resolve(target["TargetArn"]))] = \
            "Lambda sends a failed asynchronous event to the function's dead-letter queue"
    destinations = props.get("EventInvokeConfig", {}).get("DestinationConfig", {})
    for outcome, destination in destinations.items():
        found[Use(_DESTINATION_ACTIONS[destination["Type"]], deployed.resolve(destination["Destination"]))] = \
            f"Lambda sends the function's asynchronous {outcome} record"
    return found


# --- the check --------------------------------------------------------------------------------------------------


@dataclass
class Report:
    uses: int = 0
    denied: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    idle: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    used: dict[str, list[str]] = field(default_factory=dict)

    def failures(self) -> list[str]:
        return ([f"denied: {line}" for line in self.denied] + [f"cannot check: {line}" for line in self.unmapped]
                + [f"never exercised: {line}" for line in self.idle])


def _aws_only(function: str, action: str, resource: str) -> str | None:
    return next((reason for (*scope, wanted, pattern), reason in AWS_ONLY.items()
                 if scope in ([], [function])
                 and iam.action_matches(wanted, action) and iam.resource_matches(pattern, resource)), None)


def _unused(granted: list[dict[str, Any]], needed: Iterable[Use]) -> list[tuple[str, str, str]]:
    """(statement id, action, resource) of each Allow no use needed."""
    found = []
    for statement in (statement for statement in granted if statement["Effect"] == "Allow"):
        for action in listed(statement["Action"]):
            for resource in listed(statement["Resource"]):
                one = {**statement, "Action": action, "Resource": resource}
                if not any(iam.statement_applies(one, use) for use in needed):
                    found.append((statement.get("Sid", ""), action, resource))
    return found


def _condition_keys(use: Use) -> str:
    return f" {dict(use.context)}" if use.context else ""


def _check_function(report: Report, deployed: Stack, function: str, logical: str,
                    record: Mapping[tuple[str, Use], str], complete: bool) -> None:
    granted = statements(deployed, logical)
    recorded = {use: f"first in {test}" for (name, use), test in record.items()
                if name == function and use.resource != UNMAPPED}
    if complete and not recorded:
        report.idle.append(f"{function} ({logical}): no scenario test invokes it")
    needed = recorded | lambda_uses(deployed, logical)
    report.used[function] = sorted({f"{use.action} {use.resource}" for use in needed})
    report.denied += [f"{function}: {use.action} on {use.resource}{_condition_keys(use)} ({why})"
                      for use, why in sorted(needed.items()) if not iam.allows(granted, use)]
    for sid, action, resource in _unused(granted, needed):
        line = f"{function} {sid}: {action} on {resource}"
        if reason := _aws_only(function, action, resource):
            report.kept.append(f"{line} (kept: {reason})")
        else:
            report.unused.append(line)


def check(template: Mapping[str, Any], record: Mapping[tuple[str, Use], str], complete: bool) -> Report:
    """``record`` ((function, use) → first test) against ``template``; ``complete``: every function should
    have run."""
    deployed = stack(template)
    report = Report(uses=len({(function, use.action, use.resource) for function, use in record}))
    entry_points = functions(template)
    report.unmapped += [f"{function}: {use.action} (first in {test})"
                        for (function, use), test in sorted(record.items()) if use.resource == UNMAPPED]
    report.denied += [f"{function}: invoked, but the template has no such function"
                      for function in sorted({function for function, _ in record} - set(entry_points))]
    for function, logical in sorted(entry_points.items()):
        try:
            _check_function(report, deployed, function, logical, record, complete)
        except Unmapped as error:
            report.unmapped.append(f"{function}: {error}")
    return report


# --- the session's end (hooks in tests/scenario/conftest.py) -----------------------------------------------------

RECORD_DIR = "PERMISSIONS_RECORD_DIR"


def selected(items: list[pytest.Item]) -> None:
    _selected.update(str(item.path.relative_to(ROOT)) for item in items if SCENARIO in item.path.parents)


def write(directory: Path, worker: str) -> None:
    if _record or _selected:
        (directory / f"{worker}.json").write_text(json.dumps({
            "selected": sorted(_selected),
            "uses": [[function, use.action, use.resource, list(use.context), test]
                     for (function, use), test in _record.items()]}))


def merged(directory: Path) -> tuple[dict[tuple[str, Use], str], set[str]]:
    record: dict[tuple[str, Use], str] = {}
    chosen: set[str] = set()
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text())
        chosen |= set(data["selected"])
        for function, action, resource, context, test in data["uses"]:
            record.setdefault((function, Use(action, resource, tuple(tuple(pair) for pair in context))), test)
    return record, chosen


def whole_tier(chosen: set[str]) -> bool:
    return {str(path.relative_to(ROOT)) for path in SCENARIO.glob("test_*.py")} <= chosen


def summary(report: Report, complete: bool) -> list[str]:
    lines = [f"permissions: {report.uses} distinct (function, action, resource) uses checked against the packaged "
             f"policies; details in {ARTIFACT.relative_to(ROOT)}"]
    if complete:
        lines += [f"  granted, never used: {line}" for line in report.unused]
    else:
        lines.append(f"  ({len(report.unused)} grants unused by this partial run; run the whole scenario tier "
                     "to list them and to require every function)")
    return lines + [f"  FAILED {line}" for line in report.failures()]


def save(report: Report) -> None:
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(vars(report), indent=1) + "\n")


_REPORT = pytest.StashKey[tuple[Report, bool]]()


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the main process; pytest-xdist's workers inherit its environment
        os.environ[RECORD_DIR] = tempfile.mkdtemp(prefix="permissions-")


def pytest_collection_finish(session: pytest.Session) -> None:
    selected(session.items)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    directory = Path(os.environ[RECORD_DIR])
    worker = getattr(session.config, "workerinput", {}).get("workerid")
    write(directory, worker or "main")
    if worker:
        return
    record, chosen = merged(directory)
    shutil.rmtree(directory, ignore_errors=True)
    complete = whole_tier(chosen)
    if not record and not complete:
        return
    report = check(packaging.template(), record, complete)
    save(report)
    session.config.stash[_REPORT] = (report, complete)
    if report.failures():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if _REPORT in config.stash:
        terminalreporter.write_sep("=", "permissions")
        for line in summary(*config.stash[_REPORT]):
            terminalreporter.write_line(line)
