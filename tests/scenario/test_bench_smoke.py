"""Every benchmark still runs (issue 25): each script on tiny inputs, in its own process as `make bench` runs it,
so an import or API it relies on cannot move away unnoticed. The figures are not checked, only that each run
finishes and prints its table. `bench/cold_start.py` needs a package: tests/scenario/test_package.py runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMOKE = {
    "report": (["bench/report.py", "--engines", "fpdf2", "--rows", "20", "--runs", "1"], {},
               "| 20 | fpdf2 | 1 |"),
    "notifications": (["bench/notifications.py"], {"BENCH_EVENTS": "2"}, "| 30% | 7 | 7 |"),
    "triggers": (["bench/triggers.py"], {"BENCH_EVENTS": "3"}, "added by the triggers, per event: UpdateItem"),
    "scale": (["bench/scale.py", "--sizes", "10", "--all-due-up-to", "10"], {},
              "| report scheduler, all due | 10 |"),
    "ingest": (["bench/ingest.py"], {"BENCH_INTEGRATIONS": "2", "BENCH_EVENTS": "2", "BENCH_PROBES": "1",
                                     "BENCH_PROBE_EVERY": "1", "BENCH_SETTLE": "1"},
               "duplicates: ten parallel posts of one id"),
}


@pytest.mark.parametrize("script", sorted(SMOKE))
def test_bench_script_runs_on_tiny_inputs(script: str) -> None:
    arguments, env, expected = SMOKE[script]

    done = subprocess.run([sys.executable, *arguments], cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=300, check=False)

    assert done.returncode == 0, done.stderr[-3000:]
    assert expected in done.stdout, done.stdout


def test_every_bench_script_is_smoke_tested() -> None:
    scripts = {path.stem for path in (ROOT / "bench").glob("*.py")}

    assert scripts == {*SMOKE, "cold_start", "offline"}, "add the new script to SMOKE"
