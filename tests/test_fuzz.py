"""API fuzzing: schemathesis generates requests for every operation of ``/v1/openapi.json`` and sends
them to the app on moto, in process (the Chalice app behind a small WSGI adapter).

Each case goes out with one of five credentials (admin and viewer of two tenants, or none), and each
path id is either generated or the id of a real object of either tenant. Every answer must be below
500 and match the documented status codes, content type and schema; a request that breaks the schema
must be refused; every 4xx must use the error shape of DESIGN §3. ``FUZZ_EXAMPLES`` sets the examples
per operation (``make fuzz``: more).
"""

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from chalice.test import Client
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation

from app import app
from tests.conftest import OPERATOR, Api, TenantHandle
from tests.support import assert_error
from tests.world import make_objects

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
RANDOM = "FUZZ_EXAMPLES" in os.environ  # make fuzz explores; make test repeats the same cases every run
_client = Client(app, stage_name="local")


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The Chalice app as a WSGI application, through chalice's local API Gateway emulation."""
    path = environ.get("RAW_URI") or quote(environ.get("PATH_INFO", "").encode("latin-1"), safe="/%")
    if environ.get("QUERY_STRING") and "?" not in path:
        path += "?" + environ["QUERY_STRING"]
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    response = _client.http.request(environ["REQUEST_METHOD"], path, headers=headers, body=body)
    status = f"{response.status_code} {HTTPStatus(response.status_code).phrase}"
    start_response(status, list(response.headers.items()))
    return [response.body if isinstance(response.body, bytes) else str(response.body or "").encode()]


schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", wsgi_app)


@dataclass
class Tally:
    """What the lead reports: operations, cases sent, and answers by status."""

    operations: set[str] = field(default_factory=set)
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, operation: str, status: int) -> None:
        self.operations.add(operation)
        self.cases += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1


TALLY = Tally()


@pytest.fixture(scope="module", autouse=True)
def report_tally(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    statuses = ", ".join(f"{code}: {count}" for code, count in sorted(TALLY.statuses.items()))
    line = (f"fuzz: {len(TALLY.operations)} operations, {TALLY.cases} cases "
            f"({EXAMPLES} examples per operation); statuses {statuses}")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    with capture.global_and_fixture_disabled():
        reporter.ensure_newline()
        reporter.write_line(line)


@schemathesis.check
def error_shape(ctx: Any, response: Any, case: Any) -> bool:
    """Every 4xx answer is ``{"error": {"code", "message", "details"}}``."""
    if 400 <= response.status_code < 500:
        assert_error((response.status_code, json.loads(response.content)), response.status_code)
    return True


def negates_a_header(case: Any) -> bool:
    """A negative case that breaks a header parameter (a missing or invalid Authorization)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    data = meta.phase.data
    locations = {getattr(data, "parameter_location", None)}
    locations |= {mutation.parameter_location for mutation in getattr(data, "mutations", None) or ()}
    return ParameterLocation.HEADER in locations


@dataclass
class World:
    """Two tenants with admin and viewer tokens, and one object of each kind in both."""

    credentials: list[str | None]
    ids: dict[str, list[str]]


@pytest.fixture
def world(api: Api, pipeline: Any) -> World:
    tenants: list[TenantHandle] = [api.tenant(), api.tenant("Globex", "it@globex.example")]
    credentials: list[str | None] = []
    ids: dict[str, list[str]] = {}
    for tenant in tenants:
        credentials += [tenant.token, tenant.token_for("viewer")]
        for name, value in make_objects(tenant, pipeline).items():
            ids.setdefault(name, []).append(value)
    return World([*credentials, None], ids)


@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM,
          suppress_health_check=list(HealthCheck))
def test_no_input_gets_a_server_error_or_an_undocumented_answer(case: Any, data: Any, world: World) -> None:
    # Our only header parameter is Authorization, and test_errors sends every protected operation a list of
    # broken ones; spend the examples on bodies, queries and paths instead.
    assume(not negates_a_header(case))
    for name in case.path_parameters or {}:
        # hypothesis favours the first choices: real objects first
        choice = data.draw(st.sampled_from([*world.ids.get(name, []), "generated"]), label=name)
        if choice != "generated":
            case.path_parameters[name] = choice
    if case.query and "cursor" in case.query and case.meta and case.meta.generation.mode.is_positive:
        del case.query["cursor"]  # an opaque token only the server mints: a made-up one is rightly refused
    if case.operation.definition.raw.get("x-access") == "operator":
        credentials = [OPERATOR["Authorization"].removeprefix("Bearer "), None]
    else:
        credentials = world.credentials
    token = data.draw(st.sampled_from(credentials), label="token")  # None: whatever schemathesis generated
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = case.call(headers=headers)
    TALLY.add(case.operation.label, response.status_code)
    case.validate_response(response, headers=headers)  # every check schemathesis has (--checks all), ours too
