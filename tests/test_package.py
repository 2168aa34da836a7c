"""Deployability: `chalice package` really runs (dependencies from PyPI for Lambda's platform), the zip carries
the code and everything it reads at run time, and the SAM template declares our resources and passes cfn-lint.

Packaging takes ~15 s (pip resolves the requirements against PyPI), so it runs once per session.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from local import resources

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PACKAGE_TIMEOUT = 900


def _pypi_only_environment() -> dict[str, str]:
    """This machine's pip settings add local indexes and wheel dirs; a fresh machine has only PyPI."""
    kept = {"PIP_CERT", "PIP_DEFAULT_TIMEOUT"}
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_") or key in kept}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "AWS_DEFAULT_REGION": "us-east-1"}


def _copy_project(target: Path) -> None:
    """What `chalice package` reads, so its cache (.chalice/deployments) stays out of the working tree."""
    target.mkdir()
    for name in ("app.py", "requirements.txt"):
        shutil.copy2(ROOT / name, target / name)
    for name in ("chalicelib", "vendor"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, target / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (target / ".chalice").mkdir()
    for name in ("config.json", "resources.json"):
        shutil.copy2(ROOT / ".chalice" / name, target / ".chalice" / name)


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("package")
    project, out = work / "project", work / "dist"
    _copy_project(project)
    result = subprocess.run(
        [str(BIN / "chalice"), "package", "--stage", "prod", "--merge-template", ".chalice/resources.json", str(out)],
        cwd=project, env=_pypi_only_environment(), capture_output=True, text=True, timeout=PACKAGE_TIMEOUT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def zip_names(packaged: Path) -> set[str]:
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        return set(archive.namelist())


@pytest.fixture(scope="module")
def sam(packaged: Path) -> dict[str, Any]:
    return json.loads((packaged / "sam.json").read_text())


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
    assert any(name.startswith("chalicelib/templates/") for name in expected), "no email templates found"
    assert expected - zip_names == set()


def test_compiled_dependencies_are_built_for_lambda_not_this_machine(packaged: Path, zip_names: set[str]) -> None:
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        tags = {name: archive.read(name).decode() for name in zip_names if name.endswith(".dist-info/WHEEL")}
    local_builds = [name for name, text in tags.items()
                    for line in text.splitlines() if line.startswith("Tag:") and line.endswith("-linux_x86_64")]

    assert tags
    assert local_builds == [], "built from source on this machine; pin a release with a manylinux wheel"


def test_template_declares_the_resources_of_the_merge_template(sam: dict[str, Any]) -> None:
    ours = resources.template()["Resources"]
    tables = {name: resource for name, resource in ours.items() if resource["Type"] == "AWS::DynamoDB::Table"}

    assert tables
    for name, resource in ours.items():
        assert sam["Resources"][name]["Type"] == resource["Type"], name
    for name, table in tables.items():
        props, packaged_props = table["Properties"], sam["Resources"][name]["Properties"]
        assert packaged_props["KeySchema"] == props["KeySchema"], name
        assert packaged_props.get("TimeToLiveSpecification") == props.get("TimeToLiveSpecification"), name


def test_functions_get_the_resource_names_from_the_template(sam: dict[str, Any]) -> None:
    variables = sam["Globals"]["Function"]["Environment"]["Variables"]

    assert variables == resources.template()["Globals"]["Function"]["Environment"]["Variables"]
    assert all(resource["Properties"]["Runtime"].startswith("python3")
               for resource in sam["Resources"].values() if resource["Type"] == "AWS::Serverless::Function")


def test_cfn_lint_accepts_the_template(packaged: Path) -> None:
    result = subprocess.run([str(BIN / "cfn-lint"), str(packaged / "sam.json")], capture_output=True, text=True,
                            timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr


def test_delivery_worker_reports_partial_batch_failures(sam: dict[str, Any]) -> None:
    source = sam["Resources"]["DeliveryWorker"]["Properties"]["Events"]["DeliveryWorkerSqsEventSource"]
    assert source["Type"] == "SQS" and "Queue" in source["Properties"]
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_functions_may_use_every_resource_with_named_actions_only(sam: dict[str, Any]) -> None:
    policy = sam["Resources"]["AppPolicy"]["Properties"]
    assert policy["Roles"] == [{"Ref": "DefaultRole"}] and "DefaultRole" in sam["Resources"]
    actions = [action for statement in policy["PolicyDocument"]["Statement"] for action in statement["Action"]]
    assert actions and all("*" not in action for action in actions)
    granted = json.dumps(policy["PolicyDocument"])
    for name, resource in resources.template()["Resources"].items():
        if resource["Type"] in {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket"}:
            assert f'"{name}' in granted or f"${{{name}." in granted, name
