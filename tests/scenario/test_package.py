"""Deployability: `chalice package` really runs (dependencies from PyPI for Lambda's platform), the zip carries
the code and everything it reads at run time, and the SAM template declares our resources (the stage's
parameters, alarms, rollout and the linters: test_template.py).

Packaging (tests/support/packaging.py) runs once per session.
"""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from deploy import declared
from deploy.template import dead_letter_queues
from tests.support.packaging import PACKAGE_TIMEOUT, ROOT

pytestmark = pytest.mark.xdist_group("package")  # one worker: `chalice package` (a session fixture) runs once


@pytest.fixture(scope="module")
def zip_names(packaged: Path) -> set[str]:
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        return set(archive.namelist())


def _run_time_files() -> set[str]:
    """Every file under chalicelib/ (templates, fonts, ...), following links as the running code would."""
    found = set()
    for folder, dirs, files in os.walk(ROOT / "chalicelib", followlinks=True):
        dirs[:] = [name for name in dirs if name != "__pycache__"]
        found |= {(Path(folder) / name).relative_to(ROOT).as_posix() for name in files if not name.endswith(".pyc")}
    return found


def test_zip_carries_the_app_and_every_file_it_reads(zip_names: set[str]) -> None:
    expected = _run_time_files()

    assert "app.py" in zip_names
    assert any(name.startswith("chalicelib/email/templates/") for name in expected), "no email templates found"
    assert expected - zip_names == set()


# Loads app.py as a Lambda would: from the unzipped package only, code directory read-only to Python, and
# reports each module of the package that was imported without its compiled bytecode.
_IMPORT_FROM_PACKAGE = """
import sys, importlib.util, pathlib
import app
here = pathlib.Path.cwd()
for module in list(sys.modules.values()):
    spec = getattr(module, "__spec__", None)
    if spec and spec.origin and spec.origin.endswith(".py") and here in pathlib.Path(spec.origin).parents:
        cached = pathlib.Path(importlib.util.cache_from_source(spec.origin))
        if not cached.exists() or cached.read_bytes()[4:8] != b"\\x01\\x00\\x00\\x00":
            print(spec.name)
"""


def test_every_module_is_shipped_compiled_and_app_imports_from_bytecode_alone(packaged: Path, zip_names: set[str],
                                                                              tmp_path: Path) -> None:
    sources = {name for name in zip_names if name.endswith(".py")}
    compiled = {name.replace("__pycache__/", "").replace(".cpython-311.pyc", ".py") for name in zip_names
                if name.endswith(".pyc")}
    assert {"app.py", "chalicelib/api/routing.py", "boto3/session.py", "pydantic/main.py",
            "cryptography/hazmat/primitives/ciphers/algorithms.py"} <= sources  # fpdf2's AES-256 (protected PDFs)
    assert sources - compiled == set()
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        archive.extractall(tmp_path)
    env = {"PATH": os.environ["PATH"], "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-S", "-c", _IMPORT_FROM_PACKAGE], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [], "imported from source, not from the shipped (unchecked-hash) bytecode"


@pytest.mark.parametrize("console_url", [None, "http://localhost:8000/console", "http://[::1]/console"])
def test_the_lambda_refuses_to_start_on_a_deployed_stage_with_a_loopback_console_url(
        packaged: Path, tmp_path: Path, console_url: str | None) -> None:
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        archive.extractall(tmp_path)
    env = {"PATH": os.environ["PATH"], "AWS_DEFAULT_REGION": "us-east-1", "STAGE": "prod",
           **({"CONSOLE_URL": console_url} if console_url else {})}
    refused = subprocess.run([sys.executable, "-S", "-c", "import app"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
    started = subprocess.run([sys.executable, "-S", "-c", "import app"], cwd=tmp_path, timeout=120,
                             env={**env, "CONSOLE_URL": "https://console.example.com/console"},
                             capture_output=True, text=True)

    assert refused.returncode != 0
    assert "a loopback address, on stage 'prod': set CONSOLE_URL" in refused.stderr
    assert started.returncode == 0, started.stderr


def test_compiled_dependencies_are_built_for_lambda_not_this_machine(packaged: Path, zip_names: set[str]) -> None:
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        tags = {name: archive.read(name).decode() for name in zip_names if name.endswith(".dist-info/WHEEL")}
    local_builds = [name for name, text in tags.items()
                    for line in text.splitlines() if line.startswith("Tag:") and line.endswith("-linux_x86_64")]

    assert tags
    assert local_builds == [], "built from source on this machine; pin a release with a manylinux wheel"


def test_template_declares_the_resources_of_the_merge_template(sam: dict[str, Any]) -> None:
    ours = declared.template()["Resources"]
    tables = {name: resource for name, resource in ours.items() if resource["Type"] == "AWS::DynamoDB::Table"}

    assert tables
    for name, resource in ours.items():
        assert sam["Resources"][name]["Type"] == resource["Type"], name
    for name, table in tables.items():
        props, packaged_props = table["Properties"], sam["Resources"][name]["Properties"]
        assert packaged_props["KeySchema"] == props["KeySchema"], name
        assert packaged_props.get("TimeToLiveSpecification") == props.get("TimeToLiveSpecification"), name


def test_the_deploy_runs_the_data_migration_of_this_version_after_the_report_worker(sam: dict[str, Any]) -> None:
    from chalicelib.tenants.upgrade import VERSION

    migration = sam["Resources"]["DataMigration"]
    assert migration["Properties"] == {"ServiceToken": {"Fn::GetAtt": ["Migrate", "Arn"]}, "Version": VERSION}
    assert migration["DependsOn"] == ["ReportWorker"]  # its pages go to the report worker's new code
    assert sam["Resources"]["Migrate"]["Properties"]["Handler"] == "app.migrate"


def test_functions_get_the_resource_names_from_the_template(sam: dict[str, Any]) -> None:
    variables = sam["Globals"]["Function"]["Environment"]["Variables"]

    assert variables == declared.template()["Globals"]["Function"]["Environment"]["Variables"]
    assert all(resource["Properties"]["Runtime"].startswith("python3")
               for resource in sam["Resources"].values() if resource["Type"] == "AWS::Serverless::Function")


def test_delivery_worker_reports_partial_batch_failures(sam: dict[str, Any]) -> None:
    source = sam["Resources"]["DeliveryWorker"]["Properties"]["Events"]["DeliveryWorkerSqsEventSource"]
    assert source["Type"] == "SQS" and "Queue" in source["Properties"]
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # a bounded number of workers share the account's SES send rate (with the per-second counter)
    assert source["Properties"]["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "DeliveryConcurrency"}}


def test_every_queue_handler_reports_partial_batch_failures_or_takes_one_message(sam: dict[str, Any]) -> None:
    """Without a partial batch response, one failed message would make SQS retry its whole batch (app.py)."""
    sources = {name: source["Properties"] for name, function in _functions(sam).items()
               for source in function["Properties"].get("Events", {}).values() if source["Type"] == "SQS"}
    one_at_a_time = {name for name, source in sources.items() if source["BatchSize"] == 1}
    assert one_at_a_time == {"ReportWorker"}
    assert all(source.get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
               for name, source in sources.items() if name not in one_at_a_time)


def _functions(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Chalice's functions (a merge-template fragment without a function in app.py has no handler)."""
    return {name: r for name, r in sam["Resources"].items()
            if r["Type"] == "AWS::Serverless::Function" and "Handler" in r["Properties"]}


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_policies(sam: dict[str, Any], function: dict[str, Any]) -> list[dict[str, Any]]:
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return [policy["PolicyDocument"] for policy in sam["Resources"][role]["Properties"]["Policies"]]


def test_no_allow_statement_anywhere_grants_a_wildcard_action(sam: dict[str, Any]) -> None:
    documents = [doc for resource in sam["Resources"].values() for doc in
                 [p["PolicyDocument"] for p in resource["Properties"].get("Policies", [])
                  if isinstance(p, dict) and "PolicyDocument" in p]
                 + ([resource["Properties"]["PolicyDocument"]] if "PolicyDocument" in resource["Properties"] else [])]
    allowed = [action for doc in documents for statement in _statements(doc) if statement["Effect"] == "Allow"
               for action in _as_list(statement["Action"])]

    assert len(documents) >= 8 and allowed
    assert [action for action in allowed if "*" in action] == []


def test_each_function_has_a_role_of_its_own_with_only_what_it_uses(sam: dict[str, Any]) -> None:
    functions = _functions(sam)
    roles = [function["Properties"]["Role"] for function in functions.values()]
    bare = [name for name, function in functions.items()
            if {s["Sid"] for doc in _role_policies(sam, function) for s in _statements(doc)} <= {"Logs", "Traces"}]

    assert "DefaultRole" not in sam["Resources"]
    assert len({json.dumps(role) for role in roles}) == len(functions)
    assert bare == [], (f"{bare}: give each function its own policy (.chalice/policies/<function>.json, named in "
                        "lambda_functions of .chalice/config.json) with only the actions and resources it uses")
    granted = {name: json.dumps(_role_policies(sam, function)) for name, function in functions.items()}
    assert "SesFeedbackTopic" not in granted["APIHandler"]
    assert "SuppressionsTable" in granted["SesFeedback"] and "DeliveriesTable" not in granted["SesFeedback"]
    assert "ReportQueue" not in granted["DeliveryWorker"] and "ses:SendRawEmail" in granted["DeliveryWorker"]
    assert "s3:PutObject" in granted["ReportWorker"] and "ses:" not in granted["ReportWorker"]


def test_every_table_queue_and_the_bucket_is_used_by_some_function(sam: dict[str, Any]) -> None:
    granted = json.dumps([_role_policies(sam, function) for function in _functions(sam).values()])
    ours = declared.template()["Resources"]
    filled_by_aws = dead_letter_queues(sam)  # by SQS's redrive, Lambda's destinations or EventBridge
    for name, resource in ours.items():
        if resource["Type"] in {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket"} \
                and name not in filled_by_aws:
            assert f'"{name}' in granted or f"${{{name}." in granted, name


def test_functions_have_their_memory_and_timeout_reports_the_most(sam: dict[str, Any]) -> None:
    functions = _functions(sam)
    memory = {name: f["Properties"]["MemorySize"] for name, f in functions.items()}
    timeout = {name: f["Properties"]["Timeout"] for name, f in functions.items()}

    assert max(memory, key=memory.get) == "ReportWorker" and max(timeout, key=timeout.get) == "ReportWorker"
    assert timeout["APIHandler"] <= 29  # API Gateway's integration limit
    queues = {"DeliveryWorker": "DeliveryQueue", "ReportWorker": "ReportQueue"}
    for function, queue in queues.items():  # SQS requires the visibility timeout to cover the function's
        assert sam["Resources"][queue]["Properties"]["VisibilityTimeout"] >= timeout[function]
    assert all(f["Properties"].get("Tracing") == "Active" for f in functions.values())


def test_ses_publishes_bounces_and_complaints_to_the_feedback_function(sam: dict[str, Any]) -> None:
    res = sam["Resources"]
    destination = res["SesFeedbackDestination"]["Properties"]["EventDestination"]
    source = next(iter(res["SesFeedback"]["Properties"]["Events"].values()))
    variables = sam["Globals"]["Function"]["Environment"]["Variables"]

    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert destination["SnsDestination"]["TopicARN"] == {"Ref": "SesFeedbackTopic"}
    assert source["Type"] == "SNS" and source["Properties"]["Topic"] == {"Ref": "SesFeedbackTopic"}
    assert variables["SES_CONFIGURATION_SET"] == {"Ref": "SesConfigurationSet"}


def test_the_bucket_refuses_plain_http(sam: dict[str, Any]) -> None:
    [statement] = sam["Resources"]["ReportsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]

    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_api_gateway_answers_unknown_routes_with_a_404_in_our_error_shape(sam: dict[str, Any]) -> None:
    # inside the API (SAM's GatewayResponses), so they deploy with it: separate resources may race the stage (W3660)
    responses = sam["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    unknown = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert unknown["StatusCode"] == 404
    assert [r for r in sam["Resources"].values() if r["Type"] == "AWS::ApiGateway::GatewayResponse"] == []
    for gateway_response in (unknown, responses["DEFAULT_5XX"], responses["THROTTLED"]):
        shaped = json.loads(gateway_response["ResponseTemplates"]["application/json"])
        assert set(shaped) == {"error"} and set(shaped["error"]) == {"code", "message", "details"}


def test_the_cold_start_benchmark_runs_on_the_package(packaged: Path) -> None:
    """`make bench`'s cold-start script, one round of the compiled tree, on this package
    (tests/scenario/test_bench_smoke.py runs the others)."""
    done = subprocess.run([sys.executable, "bench/cold_start.py", "1", "--dist", str(packaged)], cwd=ROOT,
                          env={**os.environ, "BENCH_SOURCES": "0"}, capture_output=True, text=True,
                          timeout=PACKAGE_TIMEOUT, check=False)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "API handler goal" in done.stdout, done.stdout
