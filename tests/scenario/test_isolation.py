"""Tenant isolation: another tenant's integration is as absent as a missing one, and stays untouched."""

from typing import Any

import pytest

from app import app
from chalicelib.api.routing import OPERATIONS, Operation
from tests.support.api import TenantHandle
from tests.support.checks import assert_error, integration_items
from tests.support.world import MAKERS, concrete_path, make_objects, path_params, sample_body, snapshot

ACTIONS = [
    ("GET", "", None),
    ("PATCH", "", {"name": "pwned", "emails": "attacker@globex.example"}),
    ("POST", "/disable", None),
    ("POST", "/enable", None),
    ("DELETE", "", None),
]

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def not_found(response: tuple[int, Any], integration_id: str) -> dict[str, Any]:
    """The 404 error, with the id blanked out of the message so two answers can be compared."""
    error = assert_error(response, 404, "not_found")
    return {**error, "message": error["message"].replace(integration_id, "<id>")}


@pytest.mark.parametrize(("method", "suffix", "body"), ACTIONS, ids=[f"{m} {s or '/'}" for m, s, _ in ACTIONS])
def test_another_tenants_integration_is_not_found(acme: TenantHandle, globex: TenantHandle, method: str,
                                                  suffix: str, body: dict[str, str] | None) -> None:
    # GIVEN an integration of Acme, and another one disabled (so enable would change it)
    active = acme.integration(name="Active")
    disabled = acme.integration(name="Disabled")
    acme.call("POST", f"/v1/integrations/{disabled['id']}/disable")
    before = integration_items(acme.id)
    for target in (active, disabled):
        # WHEN Globex's admin acts on it by id THEN 404, exactly as for an id that does not exist
        theirs = globex.call(method, f"/v1/integrations/{target['id']}{suffix}", body)
        unknown = globex.call(method, f"/v1/integrations/{UNKNOWN}{suffix}", body)
        assert not_found(theirs, target["id"]) == not_found(unknown, UNKNOWN)
    # AND Acme's integrations are unchanged, and Globex got nothing
    assert integration_items(acme.id) == before
    assert [item["name"] for item in globex.call("GET", "/v1/integrations")[1]["items"]] == ["Primary email"]


def test_lists_show_only_the_callers_integrations(acme: TenantHandle, globex: TenantHandle) -> None:
    acme.integration(name="Acme only")
    names = {item["name"] for item in globex.call("GET", "/v1/integrations?limit=100")[1]["items"]}
    assert names == {"Primary email"}


def test_a_name_taken_in_one_tenant_is_free_in_another(acme: TenantHandle, globex: TenantHandle) -> None:
    taken = acme.integration(name="SOC")
    [default] = globex.call("GET", "/v1/integrations")[1]["items"]
    assert globex.call("PATCH", f"/v1/integrations/{default['id']}", {"name": "soc"})[0] == 200
    assert acme.call("GET", f"/v1/integrations/{taken['id']}") == (200, taken)


# --- generated from the route table: every operation, including those added later ----------------

assert app.routes, "importing the app registers its OPERATIONS"
WITH_ID = [op for op in OPERATIONS if op.path_params]
WRITES = [op for op in OPERATIONS if op.method != "GET" and op.access not in ("viewer", "public")]


def label(op: Operation) -> str:
    return f"{op.method} {op.path}"


def test_every_path_parameter_has_an_object_maker() -> None:
    assert set(path_params()) <= set(MAKERS), "add a maker to tests/support/world.py for each new path parameter"


@pytest.mark.parametrize("op", WITH_ID, ids=label)
def test_another_tenants_object_is_not_found_and_stays_unchanged(op: Operation, acme: TenantHandle,
                                                                 globex: TenantHandle, pipeline: Any) -> None:
    # GIVEN Acme's objects of the kinds the operation addresses, and the state of everything Acme owns
    acme_objects = make_objects(acme, pipeline, op.path_params)
    before = snapshot(acme.id)
    unknown = dict.fromkeys(acme_objects, UNKNOWN)
    for token in (globex.token, globex.token_for("viewer")):
        # WHEN Globex calls the operation on Acme's object, with a body the operation accepts
        theirs = globex.call(op.method, concrete_path(op, acme_objects), sample_body(op), token=token)
        # THEN 404, exactly as for an id that exists nowhere (a viewer may get the 403 of its role first,
        # and the operator's operations refuse every tenant token with 401)
        missing = globex.call(op.method, concrete_path(op, unknown), sample_body(op), token=token)
        if missing[0] in (401, 403):
            assert_error(theirs, missing[0], {401: "unauthorized", 403: "forbidden"}[missing[0]])
            continue
        assert not_found(theirs, acme_objects[op.path_params[-1]]) == not_found(missing, UNKNOWN)
    # AND nothing of Acme changed
    assert snapshot(acme.id) == before


@pytest.mark.parametrize("op", WRITES, ids=label)
def test_a_viewer_is_refused_every_write(op: Operation, acme: TenantHandle, pipeline: Any) -> None:
    # GIVEN a viewer token of Acme and Acme's own objects
    viewer = acme.token_for("viewer")
    ids = make_objects(acme, pipeline, op.path_params)
    before = snapshot(acme.id)
    # WHEN the viewer calls a write operation with a valid body
    response = acme.call(op.method, concrete_path(op, ids), sample_body(op), token=viewer)
    # THEN 403 (operator operations do not take tenant tokens at all: 401), and nothing changed
    if op.access == "operator":
        assert_error(response, 401, "unauthorized")
    else:
        assert_error(response, 403, "forbidden")
    assert snapshot(acme.id) == before
