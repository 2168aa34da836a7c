"""The unit tier runs without moto: tests/unit alone, under the ``tests.support.no_moto`` plugin, passes."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_pytest(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.support.no_moto", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_unit_tier_passes_without_importing_moto() -> None:
    result = run_pytest("tests/unit")

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "moto was imported" not in result.stdout


def test_the_check_fails_a_session_that_imports_moto(tmp_path: Path) -> None:
    (tmp_path / "test_uses_moto.py").write_text("def test_it():\n    import moto  # noqa: F401\n")

    result = run_pytest("--rootdir", str(tmp_path), str(tmp_path))

    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "1 passed" in result.stdout and "moto was imported" in result.stdout
