"""The local stack (`make run`): moto's server, the resources, a demo tenant and the API in one process.

Data lives in moto's memory only and is gone when the stack stops. The stack prints
``KEY=value`` lines (``API_URL``, ``ADMIN_TOKEN``, ...) that scripts and tests read.
"""

import errno
import functools
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalice.app import SQSEventConfig
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalDevServer, create_local_server
from chalice.test import Client
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from chalicelib import clock
from chalicelib.aws import clients
from chalicelib.models.tenants import Tenant, TenantCreate
from chalicelib.settings import get_settings
from chalicelib.tenants.service import create_tenant
from chalicelib.wiring import stores
from local import demo_data, fair_queues, faults, loops, outbox, resources
from local.moto_server import MotoServer, lift_ses_quota

PROJECT_DIR = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
STAGE = "local"
DEMO_TENANT = TenantCreate(name="Demo", primary_email="security@demo.example")
_LOOP_STOP_TIMEOUT = 5.0
HEALTH_CHECK_SECONDS = 300  # the deployed schedules' rates
REPORT_SCHEDULE_SECONDS = 3600
DIGEST_PASS_SECONDS = 300
DEMO_DAYS = 14


class StackSettings(BaseSettings):
    """Knobs of the local stack itself; ``0`` as a port picks a free one (printed at start)."""

    model_config = SettingsConfigDict(extra="ignore")

    port: int = 8000
    moto_port: int = 5000
    operator_token: SecretStr | None = None


@dataclass(frozen=True)
class Loop:
    """A background loop (queue poller, schedule): ``run(stop)`` works until ``stop`` is set, then returns."""

    name: str
    run: Callable[[threading.Event], None]


def background_loops(app: Any, demo: Tenant) -> list[Loop]:
    """What runs beside the API, standing in for the event sources Chalice's local server lacks: a poller for
    every queue a function of the app reads, so a queue added there is polled here too."""
    lambdas = Client(app, stage_name=STAGE, project_dir=str(PROJECT_DIR))
    return [
        Loop("demo-data", lambda stop: _seed_demo(demo, stop)),
        *[Loop(source.queue, loops.queue_poller(lambdas, source.queue, source.name))
          for source in app.event_sources if isinstance(source, SQSEventConfig)],
        Loop("health-check", loops.schedule(lambdas, "health_check", HEALTH_CHECK_SECONDS)),
        Loop("report-scheduler", loops.schedule(lambdas, "report_scheduler", REPORT_SCHEDULE_SECONDS)),
        Loop("digest-pass", loops.schedule(lambdas, "digest_pass", DIGEST_PASS_SECONDS)),
    ]


def _seed_demo(demo: Tenant, stop: threading.Event) -> None:
    """Two weeks of made-up security data, then last week's report (it appears in the outbox)."""
    now = clock.now()
    demo_data.seed(demo.id, now, demo.timezone, days=DEMO_DAYS, stop=stop)
    if stop.is_set():
        return
    demo_data.first_report(demo, now)
    print("Demo security data seeded; last week's report is on its way to the outbox.")


@contextmanager
def running(loops: list[Loop]) -> Iterator[None]:
    """Run each loop in a daemon thread; on exit ask them to stop and wait (bounded) for them."""
    stop = threading.Event()
    threads = [threading.Thread(target=loop.run, args=(stop,), name=loop.name, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        deadline = time.monotonic() + _LOOP_STOP_TIMEOUT
        for thread in threads:  # one shared deadline: daemon threads left over end with the process
            thread.join(max(0.0, deadline - time.monotonic()))


def point_service_at(endpoint_url: str, operator_token: str) -> None:
    """Aim the service's settings at moto, with fake credentials so nothing can reach real AWS."""
    os.environ.update({
        "AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing", "OPERATOR_TOKEN": operator_token,
    })
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.pop("AWS_PROFILE", None)


def chalice_config() -> Config:
    """The stage's config as `chalice local` builds it; loading the app applies the stage's environment."""
    config = CLIFactory(str(PROJECT_DIR), environ=os.environ).create_config_obj(chalice_stage_name=STAGE)
    config.chalice_app  # noqa: B018 - imports app.py and exports the stage's environment variables
    return config


class AnyMethodHandler(ChaliceRequestHandler):
    """Chalice's request handler for every method: Python's HTTP server answers one it has no ``do_<METHOD>``
    for (TRACE, ...) with an HTML 501; the app answers it as any undeclared method, 405 with ``Allow``."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)


def serve(stack: StackSettings) -> None:
    """Start everything, print how to reach it, serve until interrupted, then stop everything."""
    generated = stack.operator_token is None
    operator_token = secrets.token_urlsafe(32) if generated else stack.operator_token.get_secret_value()
    moto = MotoServer(HOST, stack.moto_port).start()
    fair_queues.install()  # moto's own receive ignores MessageGroupId: one tenant's burst would hold up the others
    server: LocalDevServer | None = None
    try:
        point_service_at(moto.url, operator_token)
        for switched in faults.install():
            print(f"Fault switch on: {switched}")
        lift_ses_quota()
        config = chalice_config()
        config.chalice_app.register_blueprint(outbox.bp)
        server = create_local_server(config.chalice_app, config, HOST, stack.port)
        chalice_handler = server.server.RequestHandlerClass  # a partial of ChaliceRequestHandler with the app
        server.server.RequestHandlerClass = functools.partial(  # type: ignore[misc]
            AnyMethodHandler, *chalice_handler.args, **chalice_handler.keywords)  # type: ignore[attr-defined]
        api_url = "http://{}:{}".format(*server.server.server_address[:2])
        # links in mail (console, report downloads) lead to this server, whichever port it got
        os.environ.setdefault("CONSOLE_URL", f"{api_url}/console")
        get_settings.cache_clear()
        clients.reset()
        settings = get_settings()
        resources.create_all(settings)
        demo = create_tenant(stores(), DEMO_TENANT)
        print("Email Report local stack. Data is kept in memory only: it is gone when the stack stops.")
        print(f"MOTO_URL={moto.url}")
        print(f"API_URL={api_url}")
        if generated:
            print("A random operator token (set OPERATOR_TOKEN to choose one):")
            print(f"OPERATOR_TOKEN={operator_token}")
        print(f"Demo tenant {demo.tenant.name!r} <{demo.tenant.primary_email}>, its admin token:")
        print(f"DEMO_TENANT_ID={demo.tenant.id}")
        print(f"ADMIN_TOKEN={demo.admin_token}")
        print(f'Try: curl -H "Authorization: Bearer $ADMIN_TOKEN" {api_url}/v1/integrations')
        print("Press Ctrl-C to stop.")
        print(f"Sent mail: {api_url}/local/outbox")
        with running(background_loops(config.chalice_app, demo.tenant)):
            server.server.serve_forever()
    except KeyboardInterrupt:
        print("Stopping.")
    finally:
        if server is not None:
            server.server.server_close()
        moto.stop()


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    # Both stop the stack the same way; SIGINT too, as a shell starting us in the background ignores it.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.default_int_handler)
    try:
        serve(StackSettings())
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        sys.exit(f"The local stack cannot start: {exc}. Set PORT and MOTO_PORT to free ports (0 picks one).")
    # Everything the stack started is stopped; tearing down moto's in-memory AWS object by object
    # only delays the exit by seconds, so leave at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
