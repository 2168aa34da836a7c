"""`chalice package` as `make package` runs it, on a copy of the project (so its cache, .chalice/deployments,
stays out of the working tree): tests/scenario/test_package.py checks the result, the permission check
(tests/support/permissions.py) reads its template."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PACKAGE_TIMEOUT = 900


def _pypi_only_environment() -> dict[str, str]:
    """This machine's pip settings add local indexes and wheel dirs; a fresh machine has only PyPI."""
    kept = {"PIP_CERT", "PIP_DEFAULT_TIMEOUT"}
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_") or key in kept}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "AWS_DEFAULT_REGION": "us-east-1"}


def _copy_project(target: Path, dependencies: bool) -> None:
    """What `chalice package` reads; without ``dependencies`` an empty requirements.txt (nothing from PyPI)."""
    target.mkdir()
    shutil.copy2(ROOT / "app.py", target / "app.py")
    if dependencies:
        shutil.copy2(ROOT / "requirements.txt", target / "requirements.txt")
    else:
        (target / "requirements.txt").write_text("")
    for name in ("chalicelib", "vendor"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, target / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (target / ".chalice").mkdir()
    for name in ("config.json", "resources.json"):
        shutil.copy2(ROOT / ".chalice" / name, target / ".chalice" / name)
    shutil.copytree(ROOT / ".chalice" / "policies", target / ".chalice" / "policies")


def package(work: Path, dependencies: bool = True) -> subprocess.CompletedProcess[str]:
    """`chalice package --stage prod` into ``work``/dist (the project copied to ``work``/project)."""
    project = work / "project"
    _copy_project(project, dependencies)
    return subprocess.run(
        [str(BIN / "chalice"), "package", "--stage", "prod", "--merge-template", ".chalice/resources.json",
         str(work / "dist")],
        cwd=project, env=_pypi_only_environment(), capture_output=True, text=True, timeout=PACKAGE_TIMEOUT,
    )


def template() -> dict[str, Any]:
    """The packaged SAM template alone: packaged without the dependencies, which only the zip holds (~2 s)."""
    with tempfile.TemporaryDirectory(prefix="template-") as work:
        result = package(Path(work), dependencies=False)
        if result.returncode != 0:
            raise RuntimeError(f"chalice package failed:\n{result.stdout}{result.stderr}")
        return json.loads((Path(work) / "dist" / "sam.json").read_text())
