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
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from chalice.test import Client
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from app import app
from tests.support.api import OPERATOR, Api, TenantHandle
from tests.support.checks import assert_error
from tests.support.stack_process import HttpApi, RunningStack, local_stack
from tests.support.world import MAKERS, make_objects

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


TALLIES = {"in process": Tally(), "local stack over HTTP": Tally()}


@pytest.fixture(scope="module", autouse=True)
def report_tally(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    for run, tally in TALLIES.items():
        if tally.cases:
            statuses = ", ".join(f"{code}: {count}" for code, count in sorted(tally.statuses.items()))
            with capture.global_and_fixture_disabled():
                reporter.ensure_newline()
                reporter.write_line(f"fuzz ({run}): {len(tally.operations)} operations, {tally.cases} cases; "
                                    f"statuses {statuses}")


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
    """Two tenants with admin and viewer tokens, one object of each kind in both, and the operator."""

    credentials: list[str | None]
    ids: dict[str, list[str]]
    operator: str


def world_of(tenants: list[TenantHandle], make: Callable[[TenantHandle], dict[str, str]], operator: str) -> World:
    credentials: list[str | None] = []
    ids: dict[str, list[str]] = {}
    for tenant in tenants:
        credentials += [tenant.token, tenant.token_for("viewer")]
        for name, value in make(tenant).items():
            ids.setdefault(name, []).append(value)
    return World([*credentials, None], ids, operator)


@pytest.fixture
def world(api: Api, pipeline: Any) -> World:
    tenants = [api.tenant(), api.tenant("Globex", "it@globex.example")]
    return world_of(tenants, lambda tenant: make_objects(tenant, pipeline),
                    OPERATOR["Authorization"].removeprefix("Bearer "))


# Operations where a request the schema allows may still be refused with 422 for a rule JSON Schema cannot say:
# a preview's period_end must be the last day of a period (a Sunday, a month's end) that has ended.
SEMANTIC_422 = {"POST /v1/reports/preview"}
# A batch answers each event on its own (DESIGN §3: 202 with a result per event), so a request whose only schema
# breaks are in its events is answered 202: there schemathesis's "the request is refused" becomes the stricter
# "each event that breaks its documented schema is rejected, and the others are not refused" (events_refused_alone).
PER_ITEM = {"POST /v1/events"}


def events_refused_alone(case: Any, response: Any) -> None:
    """In a 202 to an event batch, each event breaking the document's Event schema was rejected; the batch itself
    (an object with 1 to 100 events and nothing else) met its schema."""
    if response.status_code != 202:
        return
    components = case.operation.schema.raw_schema["components"]  # where the "#/components/..." references lead
    batch = components["schemas"]["EventBatch"]
    wrapper = {**batch, "properties": {"events": {**batch["properties"]["events"], "items": True}}}
    Draft202012Validator(wrapper).validate(case.body)
    item = Draft202012Validator({"components": components, **batch["properties"]["events"]["items"]})
    results = json.loads(response.content)["results"]
    broken = [index for index, event in enumerate(case.body["events"]) if not item.is_valid(event)]
    assert [results[index]["status"] for index in broken] == ["rejected"] * len(broken), (broken, results)


def json_integers(value: Any) -> Any:
    """Whole floats (``5.0``) as integers: JSON Schema's ``integer`` takes both, the API only the integer."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [json_integers(item) for item in value]
    if isinstance(value, dict):
        return {key: json_integers(item) for key, item in value.items()}
    return value


def exercise(case: Any, data: Any, world: World, tally: Tally) -> None:
    """Send ``case`` with a drawn credential and real or generated ids; every check schemathesis has must pass."""
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
        credentials: list[str | None] = [world.operator, None]
    else:
        credentials = world.credentials
    if case.meta and case.meta.generation.mode.is_positive and isinstance(case.body, dict | list):
        case.body = json_integers(case.body)  # a rule no JSON Schema can state: a count is written 5, not 5.0
    token = data.draw(st.sampled_from(credentials), label="token")  # None: whatever schemathesis generated
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = case.call(headers=headers, timeout=60)  # a preview renders a PDF: seconds on a busy machine
    tally.add(case.operation.label, response.status_code)
    # every check schemathesis has (--checks all), ours too
    excluded = [positive_data_acceptance] if case.operation.label in SEMANTIC_422 else []
    if case.operation.label in PER_ITEM:
        excluded.append(negative_data_rejection)
        events_refused_alone(case, response)
    case.validate_response(response, headers=headers, excluded_checks=excluded)
    if excluded and case.meta and case.meta.generation.mode.is_positive:
        assert response.status_code < 500 and response.status_code != 400, response.text


@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM,
          suppress_health_check=list(HealthCheck))
def test_no_input_gets_a_server_error_or_an_undocumented_answer(case: Any, data: Any, world: World) -> None:
    exercise(case, data, world, TALLIES["in process"])


# --- the same against the local stack (`python -m local.stack` on free ports), over real HTTP ------------

LIVE_EXAMPLES = int(os.environ.get("FUZZ_LIVE_EXAMPLES", "6"))
# Objects the stack's tenants get over HTTP; the other makers of tests/support/world.py reach into this process's moto.
LIVE_OBJECTS = ("integration_id", "token_id", "report_id", "trigger_id")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningStack, World]]:
    with local_stack(tmp_path_factory.mktemp("fuzz-stack") / "stderr.log", without=("OPERATOR_TOKEN",)) as stack:
        api, operator = HttpApi(stack.api_url), stack.values["OPERATOR_TOKEN"]
        demo = TenantHandle(api, {"id": stack.values["DEMO_TENANT_ID"], "primary_email": "security@demo.example"},
                            stack.values["ADMIN_TOKEN"])  # type: ignore[arg-type]
        status, other, _ = api.call("POST", "/v1/tenants", headers={"Authorization": f"Bearer {operator}"},
                                    body={"name": "Globex", "primary_email": "it@globex.example"})
        assert status == 201, other
        globex = TenantHandle(api, other["tenant"], other["admin_token"])  # type: ignore[arg-type]
        objects = lambda tenant: {name: MAKERS[name](tenant, None) for name in LIVE_OBJECTS}  # noqa: E731
        yield stack, world_of([demo, globex], objects, operator)


@pytest.mark.xdist_group("local_stack")  # never two child stacks at once
def test_the_running_local_stack_answers_every_input_as_documented(live: tuple[RunningStack, World]) -> None:
    # schemathesis's pytest loader for a schema known only at run time does not work with this pytest: one
    # hypothesis run per operation, positive and negative cases alike, every failure collected
    stack, world = live
    failures: list[str] = []
    for result in schemathesis.openapi.from_url(f"{stack.api_url}/v1/openapi.json").get_all_operations():
        operation = result.ok()
        cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in GenerationMode))

        @given(case=cases, data=st.data())
        @settings(max_examples=LIVE_EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
                  phases=[Phase.explicit, Phase.generate],  # the stack's state moves on: a replay may differ
                  suppress_health_check=list(HealthCheck))
        def run(case: Any, data: Any) -> None:
            exercise(case, data, world, TALLIES["local stack over HTTP"])

        try:
            run()
        except Exception as failure:
            failures.append(f"{operation.label}: " + "".join(traceback.format_exception(failure))[-3000:])
    assert not failures, "\n\n".join(failures)
