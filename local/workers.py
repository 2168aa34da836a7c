"""The local stack's background loops (:data:`local.loops.LOOPS`: queue pollers, schedules, demo data), each in a
process of its own, as each function is a Lambda of its own on AWS: a tenant's burst keeps the route and delivery
workers busy without holding the API's Python process (its GIL), nor one worker the other.

A worker is ``python -m local.workers NAME DEMO_TENANT_ID``, started by the stack with its environment (moto's
endpoint, the fake credentials, the fault switches) and its stdout and stderr, so its logs show with the stack's.
It runs until its stdin closes: the stack closes it to stop it, and the system does when the stack dies, so no
worker outlives its stack. Ctrl-C in a terminal reaches the whole process group: a worker ignores it and waits for
the stack to stop it.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STOP_TIMEOUT = 5.0  # a worker still busy after this (a report being rendered) is killed
# Below the stack's process (moto and the API): on AWS nothing a worker does slows the API down, and on a shared
# machine the workers' start (each imports the app) and a burst's fan-out would hold up the people using the API.
NICENESS = 5
PROJECT_DIR = Path(__file__).resolve().parents[1]


@contextmanager
def running(names: list[str], demo_tenant_id: str) -> Iterator[None]:
    """Start a worker process per loop name; on exit ask each to stop and wait (bounded) for them."""
    workers = [subprocess.Popen([sys.executable, "-m", __name__, name, demo_tenant_id], cwd=PROJECT_DIR,
                                stdin=subprocess.PIPE) for name in names]
    try:
        yield
    finally:
        for worker in workers:
            worker.stdin.close()  # type: ignore[union-attr]
        deadline = time.monotonic() + STOP_TIMEOUT  # one shared deadline
        for worker in workers:
            try:
                worker.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def _stop_when_stdin_closes(stop: threading.Event) -> None:
    sys.stdin.buffer.read()
    stop.set()


def main() -> None:
    os.nice(NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    name, demo_tenant_id = sys.argv[1:3]
    from chalice.test import Client

    from local import faults
    from local.loops import LOOPS
    from local.stack import PROJECT_DIR as APP_DIR
    from local.stack import STAGE, chalice_config

    faults.install()  # the stack printed which are on
    lambdas = Client(chalice_config().chalice_app, stage_name=STAGE, project_dir=str(APP_DIR))
    run = LOOPS[name](lambdas, demo_tenant_id)
    stop = threading.Event()
    threading.Thread(target=_stop_when_stdin_closes, args=(stop,), daemon=True).start()
    run(stop)
    sys.stdout.flush()
    os._exit(0)  # at once: the thread reading stdin may still be blocked in it (the demo data's loop ends by itself)


if __name__ == "__main__":
    main()
