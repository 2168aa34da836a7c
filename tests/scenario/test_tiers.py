"""The unit tier runs without moto: ``make test`` runs tests/unit on its own under the ``tests.support.no_moto``
plugin (once, not again here); these prove the plugin fails a session that imports moto, serially and in
pytest-xdist's workers."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_pytest(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.support.no_moto", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["serial", "xdist"])
def test_the_check_fails_a_session_that_imports_moto(tmp_path: Path, workers: list[str]) -> None:
    (tmp_path / "test_uses_moto.py").write_text("def test_clean():\n    pass\n\n\n"
                                                "def test_it():\n    import moto  # noqa: F401\n")

    result = run_pytest("--rootdir", str(tmp_path), "-p", "no:randomly", *workers, str(tmp_path))

    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "2 passed, 1 error" in result.stdout, result.stdout
    assert "moto was imported" in result.stdout and "first seen after" in result.stdout
    assert "test_uses_moto.py::test_it" in result.stdout
