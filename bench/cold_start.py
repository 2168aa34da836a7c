"""Cold-start import cost: each Lambda's handler module against ``import boto3`` alone.

Every Lambda imports ``app.py`` (the API handler is that module); an event handler then imports its domain
modules on its first invocation, so its cold start is ``app`` plus those. Each figure is the median of RUNS
fresh interpreters (interleaved, so machine load hits all alike), timing only the import statement.

    .venv/bin/python bench/cold_start.py [RUNS]
"""

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.5
CASES = {
    "import boto3 (reference)": "import boto3",
    "API handler: import app": "import app",
    "delivery worker: app + delivery.worker": "import app, chalicelib.delivery.worker",
    "report worker: app + reports.jobs + pdf": "import app, chalicelib.reports.jobs, chalicelib.reports.pdf",
    "health check: app + health + idempotency": "import app, chalicelib.delivery.health, chalicelib.aws.idempotency",
    "SES feedback: app + suppressions.feedback": "import app, chalicelib.suppressions.feedback",
}


def timed(statement: str) -> float:
    code = f"import time\nstarted = time.perf_counter()\n{statement}\nprint(time.perf_counter() - started)"
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    return float(result.stdout.strip().splitlines()[-1]) * 1000


def main(runs: int) -> None:
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(runs):
        for name, statement in CASES.items():
            samples[name].append(timed(statement))
    reference = statistics.median(samples["import boto3 (reference)"])
    print(f"{runs} fresh processes each, median (min-max) ms; Python {sys.version.split()[0]}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"  {name:44} {median:6.0f} ({min(values):.0f}-{max(values):.0f})  {median / reference:4.2f}x boto3")
    api = statistics.median(samples["API handler: import app"]) / reference
    print(f"API handler goal <= {GOAL}x boto3: {'met' if api <= GOAL else 'NOT met'} ({api:.2f}x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
