"""moto's fixtures, for the scenario tier only (tests/scenario/conftest.py): moto started once per session,
resources re-created per test, the app behind chalice's test client."""

from collections.abc import Iterator
from typing import Any

import pytest
from chalice.app import Chalice
from chalice.test import Client
from moto import mock_aws

from chalicelib.aws import clients, mailer
from chalicelib.settings import get_settings
from local import moto_speed
from tests.support import moto_reset, permissions
from tests.support.api import Api, TenantHandle
from tests.support.clock import FrozenClock
from tests.support.pipeline import FlakySes, Pipeline


@pytest.fixture(scope="session")
def aws() -> Iterator[Any]:
    """moto, in process, for the whole session (without its costs that grow with the data: local/moto_speed.py),
    every call the functions make recorded for the permission check (tests/support/permissions.py)."""
    moto_speed.install()
    with mock_aws() as mock, permissions.recording():
        clients.reset()
        yield mock


# The test function whose marked cases last got fresh resources in this process (see fresh_aws), and the tenant
# they share with them (see acme).
_shared_by: list[Any] = [None]
_shared_tenant: list[tuple[Any, TenantHandle] | None] = [None]


@pytest.fixture(autouse=True)
def fresh_aws(request: pytest.FixtureRequest, aws: Any) -> None:
    """Empty resources for every test (tests/support/moto_reset.py). The cases of one test function marked
    ``writes_nothing`` (requests that must be refused before anything is stored) share them: they are re-created
    once for a run of such cases, and again after any other test."""
    shares = request.node.get_closest_marker("writes_nothing") is not None
    function = getattr(request.node, "function", None)
    if shares and _shared_by[0] is function:
        return
    _shared_by[0] = function if shares else None
    _shared_tenant[0] = None
    moto_reset.reset(aws, get_settings())


@pytest.fixture(scope="session")
def app() -> Any:
    """The Chalice app, its ``current_request`` per thread as under `chalice local` (and as on Lambda, where a
    container serves one request at a time): the tests that call it from several threads at once
    (tests/support/concurrency.py) would otherwise have one request's handler read another's body."""
    from chalice.local import LocalChalice

    from app import app as chalice_app

    if type(chalice_app) is Chalice:
        chalice_app.__class__ = LocalChalice
    return chalice_app


@pytest.fixture
def api(app: Any) -> Iterator[Api]:
    with Client(app, stage_name="local") as client:
        yield Api(client)


@pytest.fixture
def acme(request: pytest.FixtureRequest, api: Api, fresh_aws: None) -> TenantHandle:
    """Acme, made through the API; the cases of a ``writes_nothing`` test share it as they share its resources."""
    function = getattr(request.node, "function", None)
    if _shared_by[0] is function and _shared_tenant[0] and _shared_tenant[0][0] is function:
        made = _shared_tenant[0][1]
        return TenantHandle(api, made.tenant, made.token)
    tenant = api.tenant()
    if _shared_by[0] is function:
        _shared_tenant[0] = (function, tenant)
    return tenant


@pytest.fixture
def globex(api: Api) -> TenantHandle:
    return api.tenant("Globex", "it@globex.example")


@pytest.fixture
def pipeline(api: Api, frozen_clock: FrozenClock) -> Any:
    return Pipeline(api.client, frozen_clock)


@pytest.fixture
def flaky_ses(monkeypatch: pytest.MonkeyPatch) -> Any:
    flaky = FlakySes()
    monkeypatch.setattr(mailer, "send_raw", flaky.send_raw)
    return flaky
