"""Cold-start import cost, measured on the deployment package as Lambda runs it.

Unzips ``dist/deployment.zip`` (``make package``: ``chalice package`` plus compiled bytecode) and times,
in fresh interpreters started inside it, each Lambda's handler module against ``import boto3`` alone
(from the same package). Like a function's code directory the tree is read-only to Python
(``PYTHONDONTWRITEBYTECODE``), the site-packages of this machine are off (``-S``) and the functions'
plain environment variables from the template are set. Every Lambda imports ``app.py`` (the API handler is
that module); an event handler imports its domain modules on its first invocation, so its cold start is
``app`` plus those. The same cases run on the sources alone (the ``.pyc`` files left out), which is what
``chalice package`` ships. The "libraries" case imports what every API request needs before any of our code
runs (boto3, chalice, pydantic with its types, powertools): the floor of ``import app``. Each figure is the
median of RUNS processes, cases interleaved so machine load hits all alike; only the import is timed.

    make package && .venv/bin/python bench/cold_start.py [RUNS] [--dist DIR]

``BENCH_SOURCES=0`` leaves the sources-only tree out (its imports compile every module: most of a round's time);
the smoke test's setting.

With ``--against DIST`` (another checkout's ``dist/``, e.g. of the commit before a change), only the libraries
case and ``import app`` run, both packages interleaved in each round, and it prints what our code adds to the
libraries' import time in each (the agreed limit: 25%), median and minimum of the rounds.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
GOAL = 1.5
REFERENCE = "import boto3 (reference)"
API = "API handler: import app"
FLOOR = "libraries the API uses, none of our code"
CASES = {
    REFERENCE: "import boto3",
    FLOOR: "import boto3, chalice.app, pydantic.main, pydantic.types, aws_lambda_powertools",
    API: "import app",
    "delivery worker: app + delivery.worker": "import app, chalicelib.delivery.worker",
    "report worker: app + generation + pdf": "import app, chalicelib.reports.generation, chalicelib.reports.pdf",
    "health check: app + health + idempotency":
        "import app, chalicelib.integrations.health, chalicelib.aws.idempotency",
    "SES feedback: app + suppressions.feedback": "import app, chalicelib.suppressions.feedback",
}


def function_environment(dist: Path = DIST) -> dict[str, str]:
    """The plain (not resource-bound) variables every function gets from the packaged template."""
    template = json.loads((dist / "sam.json").read_text())
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    return {name: value for name, value in variables.items() if isinstance(value, str)}


def unpack(target: Path, *, bytecode: bool, dist: Path = DIST) -> Path:
    with zipfile.ZipFile(dist / "deployment.zip") as bundle:
        names = [name for name in bundle.namelist() if bytecode or not name.endswith(".pyc")]
        bundle.extractall(target, names)
    return target


def timed(code_dir: Path, statement: str, env: dict[str, str]) -> float:
    code = f"import time\nstarted = time.perf_counter()\n{statement}\nprint(time.perf_counter() - started)"
    result = subprocess.run([sys.executable, "-S", "-c", code], cwd=code_dir, env=env, capture_output=True,
                            text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1]) * 1000


def report(title: str, samples: dict[str, list[float]]) -> float:
    reference = statistics.median(samples[REFERENCE])
    print(title)
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"  {name:44} {median:6.0f} ({min(values):.0f}-{max(values):.0f})  {median / reference:4.2f}x boto3")
    return statistics.median(samples[API]) / reference


def main(runs: int, dist: Path = DIST) -> None:
    if not (dist / "deployment.zip").exists():
        sys.exit(f"no {dist}/deployment.zip: run `make package` first")
    env = {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "1",
           **function_environment(dist)}
    sources = os.environ.get("BENCH_SOURCES", "1") != "0"
    with tempfile.TemporaryDirectory() as work:
        trees = {"bytecode": unpack(Path(work) / "bytecode", bytecode=True, dist=dist)}
        if sources:
            trees["sources"] = unpack(Path(work) / "sources", bytecode=False, dist=dist)
        samples = {tree: {name: [] for name in CASES} for tree in trees}
        for _ in range(runs):
            for tree, code_dir in trees.items():
                for name, statement in CASES.items():
                    samples[tree][name].append(timed(code_dir, statement, env))
    print(f"{runs} fresh processes each, median (min-max) ms; Python {sys.version.split()[0]}")
    api = report("dist/deployment.zip (with the bytecode `make package` adds):", samples["bytecode"])
    if sources:
        report("the same sources without bytecode (what `chalice package` alone ships):", samples["sources"])
        saved = statistics.median(samples["sources"][API]) - statistics.median(samples["bytecode"][API])
        print(f"bytecode saves the API handler {saved:.0f} ms per cold start")
    print(f"API handler goal <= {GOAL}x boto3: {'met' if api <= GOAL else 'NOT met'} ({api:.2f}x)")


def compare(runs: int, other: Path, dist: Path = DIST) -> None:
    """Our code's share of ``import app`` in this package and in ``other``, measured in the same rounds."""
    dists = {"this": dist, str(other): other}
    cases = {FLOOR: CASES[FLOOR], API: CASES[API]}
    with tempfile.TemporaryDirectory() as work:
        trees = {label: unpack(Path(work) / str(n), bytecode=True, dist=dist)
                 for n, (label, dist) in enumerate(dists.items())}
        envs = {label: {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "us-east-1",
                        "PYTHONDONTWRITEBYTECODE": "1", **function_environment(dist)} for label, dist in dists.items()}
        samples = {label: {name: [] for name in cases} for label in dists}
        for _ in range(runs):
            for label, code_dir in trees.items():
                for name, statement in cases.items():
                    samples[label][name].append(timed(code_dir, statement, envs[label]))
    print(f"{runs} rounds, both packages interleaved; ms, median / min")
    for label, cases_of in samples.items():
        floor, api = cases_of[FLOOR], cases_of[API]
        added = [statistics.median(api) / statistics.median(floor) - 1, min(api) / min(floor) - 1]
        print(f"  {label:28} libraries {statistics.median(floor):4.0f} / {min(floor):4.0f}   import app "
              f"{statistics.median(api):4.0f} / {min(api):4.0f}   our code adds {added[0]:+.0%} / {added[1]:+.0%}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    this_dist = DIST
    if "--dist" in arguments:  # another package than ./dist (the smoke test's)
        at = arguments.index("--dist")
        this_dist = Path(arguments[at + 1]).resolve()
        del arguments[at:at + 2]
    if "--against" in arguments:
        at = arguments.index("--against")
        other_dist = Path(arguments[at + 1]).resolve()
        del arguments[at:at + 2]
        compare(int(arguments[0]) if arguments else 21, other_dist, this_dist)
    else:
        main(int(arguments[0]) if arguments else 11, this_dist)
