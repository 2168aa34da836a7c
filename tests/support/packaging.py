"""`make package` as the scenario tests run it: once per session, in a copy of the project, from PyPI only.

Packaging takes ~20 s (pip resolves the requirements against PyPI); test_package.py checks the bundle and
test_template.py the template, both from this one run.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
    shutil.copytree(ROOT / ".chalice" / "policies", target / ".chalice" / "policies")


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=PACKAGE_TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ as `make package` writes it: deployment.zip and sam.json."""
    work = tmp_path_factory.mktemp("package")
    project, out = work / "project", work / "dist"
    _copy_project(project)
    _run([str(BIN / "chalice"), "package", "--stage", "prod", "--merge-template", ".chalice/resources.json",
          str(out)], project, _pypi_only_environment())
    _run([sys.executable, "-m", "deploy.template", str(out / "sam.json")], ROOT)
    _run([sys.executable, "-m", "deploy.bytecode", str(out / "deployment.zip"), str(out / "sam.json")], ROOT)
    return out


@pytest.fixture(scope="session")
def sam(packaged: Path) -> dict[str, Any]:
    return json.loads((packaged / "sam.json").read_text())
