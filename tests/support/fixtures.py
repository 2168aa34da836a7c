"""moto's fixtures, for the scenario tier only (tests/scenario/conftest.py): moto started once per session,
resources re-created per test, the app behind chalice's test client."""

from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.aws import clients, mailer
from chalicelib.settings import get_settings
from local import moto_speed, resources
from tests.support import permissions
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


# The test function whose marked cases last got fresh resources in this process (see fresh_aws).
_shared_by: list[Any] = [None]


@pytest.fixture(autouse=True)
def fresh_aws(request: pytest.FixtureRequest, aws: Any) -> None:
    """Empty resources for every test (~0.1 s of CPU each). The cases of one test function marked
    ``writes_nothing`` (requests that must be refused before anything is stored) share them: they are re-created
    once for a run of such cases, and again after any other test."""
    shares = request.node.get_closest_marker("writes_nothing") is not None
    function = getattr(request.node, "function", None)
    if shares and _shared_by[0] is function:
        return
    _shared_by[0] = function if shares else None
    aws.reset()
    resources.create_all(get_settings())


@pytest.fixture(scope="session")
def app() -> Any:
    from app import app as chalice_app

    return chalice_app


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
    return Pipeline(api.client, frozen_clock)


@pytest.fixture
def flaky_ses(monkeypatch: pytest.MonkeyPatch) -> Any:
    flaky = FlakySes()
    monkeypatch.setattr(mailer, "send_raw", flaky.send_raw)
    return flaky
