"""The local stack (`make run`): moto's server, the resources, a demo tenant and the API in this process; the queue
pollers and schedules each in a process of their own (:mod:`local.workers`), as on AWS each is a Lambda of its own.

Data lives in moto's memory only and is gone when the stack stops. The stack prints
``KEY=value`` lines (``API_URL``, ``ADMIN_TOKEN``, ...) that scripts and tests read.
"""

import errno
import functools
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Any

from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalDevServer, create_local_server
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from chalicelib.aws import clients
from chalicelib.models.tenants import TenantCreate
from chalicelib.settings import get_settings
from chalicelib.tenants.service import create_tenant
from chalicelib.wiring import stores
from local import fair_queues, faults, loops, outbox, resources, workers
from local.moto_server import MotoServer, lift_ses_quota

PROJECT_DIR = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
STAGE = "local"
DEMO_TENANT = TenantCreate(name="Demo", primary_email="security@demo.example")


class StackSettings(BaseSettings):
    """Knobs of the local stack itself; ``0`` as a port picks a free one (printed at start)."""

    model_config = SettingsConfigDict(extra="ignore")

    port: int = 8000
    moto_port: int = 5000
    operator_token: SecretStr | None = None
    demo_data: bool = True  # false: no demo security data nor report (a benchmark wants a stack doing nothing else)


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
        with workers.running([name for name in loops.processes() if stack.demo_data or name != "demo-data"],
                             demo.tenant.id):
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
