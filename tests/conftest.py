"""Fixtures: moto started once per session, resources re-created per test, an injected clock."""

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "OPERATOR_TOKEN": "operator-secret", "POWERTOOLS_DEV": "false",
    "POWERTOOLS_METRICS_NAMESPACE": "EmailReport", "POWERTOOLS_LOG_LEVEL": "WARNING",
    # SQS hides delayed messages in real time; tests move time with the injected clock instead.
    "SQS_MAX_DELAY_SECONDS": "0", "POWERTOOLS_IDEMPOTENCY_DISABLED": "false",
    # moto's SES reports MaxSendRate 1/s; the pacing tests set their own rate
    "SES_MAX_SEND_RATE": "1000",
})
os.environ.pop("AWS_ENDPOINT_URL", None)

from chalice.test import Client
from moto import mock_aws

from chalicelib import clock
from chalicelib.aws import clients
from chalicelib.settings import get_settings
from local import moto_transactions, resources

moto_transactions.install()  # moto copies whole tables for every transaction otherwise

OPERATOR = {"Authorization": "Bearer operator-secret"}


@pytest.fixture(scope="session")
def aws() -> Iterator[Any]:
    """moto, in process, for the whole session."""
    with mock_aws() as mock:
        clients.reset()
        yield mock


@pytest.fixture(autouse=True)
def fresh_aws(aws: Any) -> None:
    """Empty resources for every test."""
    aws.reset()
    resources.create_all(get_settings())


@dataclass
class FrozenClock:
    moment: datetime

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    clock.set_source(frozen)
    yield frozen
    clock.set_source(lambda: datetime.now(UTC))


@pytest.fixture(scope="session")
def app() -> Any:
    from app import app as chalice_app

    return chalice_app


@dataclass
class Api:
    """The HTTP API through chalice's test client, with JSON in and out."""

    client: Client

    def call(self, method: str, path: str, token: str | None = None, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        raw = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        response = getattr(self.client.http, method.lower())(path, headers=sent, body=raw)
        parsed = json.loads(response.body) if response.body else None
        return response.status_code, parsed, dict(response.headers)

    def tenant(self, name: str = "Acme", email: str = "sec@acme.io", **extra: Any) -> "TenantHandle":
        status, body, _ = self.call("POST", "/v1/tenants", body={"name": name, "primary_email": email, **extra},
                                    headers=OPERATOR)
        assert status == 201, body
        return TenantHandle(self, body["tenant"], body["admin_token"])


@dataclass
class TenantHandle:
    api: Api
    tenant: dict[str, Any]
    token: str

    @property
    def id(self) -> str:
        return self.tenant["id"]

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             **kw: Any) -> tuple[int, Any]:
        status, parsed, _ = self.api.call(method, path, token or self.token, body, **kw)
        return status, parsed

    def token_for(self, role: str) -> str:
        status, body = self.call("POST", "/v1/tokens", {"name": role, "role": role})
        assert status == 201, body
        return body["token"]

    def integration(self, **fields: Any) -> dict[str, Any]:
        payload = {"name": "SOC", "emails": "a@acme.io, b@acme.io", "events": ["system", "vuln"], **fields}
        status, body = self.call("POST", "/v1/integrations", payload)
        assert status == 201, body
        return body


@pytest.fixture
def api(app: Any) -> Iterator[Api]:
    with Client(app, stage_name="local") as client:
        yield Api(client)


@pytest.fixture
def acme(api: Api) -> TenantHandle:
    return api.tenant()


@pytest.fixture
def globex(api: Api) -> TenantHandle:
    return api.tenant("Globex", "it@globex.example")


@pytest.fixture
def pipeline(api: Api, frozen_clock: FrozenClock) -> Any:
    from tests.pipeline import Pipeline

    return Pipeline(api.client, frozen_clock)


@pytest.fixture
def flaky_ses(monkeypatch: pytest.MonkeyPatch) -> Any:
    from chalicelib.email import mailer
    from tests.pipeline import FlakySes

    flaky = FlakySes()
    monkeypatch.setattr(mailer, "send_raw", flaky.send_raw)
    return flaky
