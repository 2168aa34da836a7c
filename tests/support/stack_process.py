"""`python -m local.stack` as a child process on free ports, for tests that need real HTTP."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


@dataclass
class RunningStack:
    """The child process and the ``KEY=value`` lines it printed (``API_URL``, ``ADMIN_TOKEN``, ...)."""

    process: subprocess.Popen[str]
    values: dict[str, str] = field(default_factory=dict)
    output: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.values["API_URL"]

    def stop(self) -> int:
        """Ctrl-C, as a developer would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(STOP_TIMEOUT)


@dataclass
class HttpApi:
    """:class:`tests.support.api.Api`'s ``call`` over real HTTP to the stack, so a ``TenantHandle`` can drive it."""

    url: str

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, raw, got = answer.status, answer.read(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            status, raw, got = error.code, error.read(), dict(error.headers)
        return status, json.loads(raw) if raw else None, got


def _pump(stream: IO[str], lines: "queue.Queue[str | None]") -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


@contextmanager
def local_stack(log: Path, without: tuple[str, ...] = (), **env: str) -> Iterator[RunningStack]:
    """Start the stack (ports 0: the OS picks free ones), wait until it printed ``ADMIN_TOKEN``, stop it after.

    The child inherits this environment minus the variables named in ``without``, plus ``env``.
    """
    inherited = {key: value for key, value in os.environ.items() if key not in without}
    child_env = {**inherited, "PORT": "0", "MOTO_PORT": "0", "PYTHONUNBUFFERED": "1", **env}
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "local.stack"], cwd=ROOT, env=child_env, text=True,
                                   stdout=subprocess.PIPE, stderr=stderr)
        stack = RunningStack(process)
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while "ADMIN_TOKEN" not in stack.values:
                line = _next_line(lines, deadline - time.monotonic())
                if line is None:
                    raise AssertionError(f"the stack did not start:\n{_report(stack, log)}")
                stack.output.append(line)
                key, sep, value = line.partition("=")
                if sep and key.isupper() and key.replace("_", "").isalnum():
                    stack.values[key] = value
            yield stack
        finally:
            if process.poll() is None:
                try:
                    stack.stop()
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            while (line := _next_line(lines, 1.0)) is not None:
                stack.output.append(line)


def _next_line(lines: "queue.Queue[str | None]", timeout: float) -> str | None:
    """The next line; ``None`` at the end of the output or when ``timeout`` passes first."""
    try:
        return lines.get(timeout=max(timeout, 0.0))
    except queue.Empty:
        return None


def _report(stack: RunningStack, log: Path) -> str:
    return "\n".join(stack.output) + "\n--- stderr ---\n" + log.read_text()[-4000:]
