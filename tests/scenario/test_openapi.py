"""GET /v1/openapi.json: a valid OpenAPI 3.1 document describing exactly the routes the app serves."""

import json
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from app import app
from chalicelib.api.routing import OPERATIONS
from tests.support.api import Api


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    status, body, headers = api.call("GET", "/v1/openapi.json")
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    return body


def test_it_is_served_without_a_token_and_ignores_a_bad_one(api: Api) -> None:
    assert api.call("GET", "/v1/openapi.json", token="not-a-token")[0] == 200


def test_it_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_the_validator_does_reject_a_broken_document(document: dict[str, Any]) -> None:
    broken = {**document, "paths": {"/v1/x": {"get": {"responses": {"200": {"content": 5}}}}}}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def served_routes() -> set[tuple[str, str]]:
    """Every JSON API route; the console's HTML pages (``/console``) are not API operations."""
    return {(method, path) for path, methods in app.routes.items() for method in methods
            if not path.startswith("/console")}


def test_every_served_route_is_a_declared_operation_and_vice_versa() -> None:
    assert served_routes() == {(op.method, op.path) for op in OPERATIONS}
    assert len(OPERATIONS) == len({(op.method, op.path) for op in OPERATIONS}), "an operation is declared twice"


def test_the_document_lists_every_route(document: dict[str, Any]) -> None:
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert documented == served_routes()
    operation_ids = [entry["operationId"] for item in document["paths"].values() for entry in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


@pytest.mark.writes_nothing  # reads the document only
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_each_operation_describes_its_access_body_and_answers(document: dict[str, Any], op: Any) -> None:
    entry = document["paths"][op.path][op.method.lower()]
    assert entry["x-access"] == op.access
    assert entry["security"] == ([] if op.access == "public" else [{"bearer": []}])
    assert str(op.status) in entry["responses"]
    assert ("requestBody" in entry) == (op.body is not None)
    assert [p["name"] for p in entry["parameters"] if p["in"] == "path"] == op.path_params
    if op.access != "public":
        assert {"401", "403"} <= set(entry["responses"])
    if op.path_params:
        assert "404" in entry["responses"]
    for code, response in entry["responses"].items():
        if code.startswith(("4", "5")):
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


def test_the_integration_schemas_come_from_the_models(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    create = schemas["IntegrationCreate"]
    assert create["required"] == ["name", "emails"]
    assert create["additionalProperties"] is False
    assert "vuln" in create["properties"]["events"]["items"]["enum"]
    assert {"string", "array"} == {option["type"] for option in create["properties"]["emails"]["anyOf"]}
    integration = schemas["Integration"]
    assert "tenant_id" not in integration["properties"] and "version" not in integration["properties"]
    # the PDF password is write-only: taken on create and update, never in an answer
    assert create["properties"]["pdf_password"]["anyOf"][0]["writeOnly"] is True
    assert {"pdf_password", "pdf_password_sealed"}.isdisjoint(integration["properties"])
    assert integration["properties"]["pdf_password_set"]["type"] == "boolean"
    entry = document["paths"]["/v1/integrations"]["get"]
    assert {p["name"] for p in entry["parameters"] if p["in"] == "query"} == {"limit", "cursor"}


def test_a_401_sends_and_documents_the_bearer_challenge(api: Api, document: dict[str, Any]) -> None:
    status, _, headers = api.call("GET", "/v1/integrations")
    assert (status, headers["WWW-Authenticate"]) == (401, 'Bearer realm="email-report"')
    status, _, headers = api.call("GET", "/v1/integrations", token="ert_0_nope")
    assert (status, headers["WWW-Authenticate"]) == (401, 'Bearer realm="email-report", error="invalid_token"')
    for op in OPERATIONS:
        if op.access != "public":
            documented = document["paths"][op.path][op.method.lower()]["responses"]["401"]["headers"]
            assert documented["WWW-Authenticate"]["required"] is True


def test_415_is_answered_and_documented(api: Api, document: dict[str, Any]) -> None:
    status, body, _ = api.call("POST", "/v1/integrations", body="name=SOC", headers={"Content-Type": "text/plain"})
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"
    assert all("415" in entry["responses"] for item in document["paths"].values() for entry in item.values())


def test_patch_bodies_offer_no_null(document: dict[str, Any]) -> None:
    # except where null turns an optional setting off (Patch.NULLABLE)
    schemas = document["components"]["schemas"]
    for name in ("IntegrationUpdate", "TenantUpdate", "TriggerUpdate"):
        for field, prop in schemas[name]["properties"].items():
            assert ("null" in json.dumps(prop)) == (field in {"quiet_hours", "pdf_password"}), (name, field)


def test_an_event_batch_describes_each_platform_event_with_its_data(document: dict[str, Any]) -> None:
    from chalicelib.models.events import EVENTS, PLATFORM_EVENTS

    schemas = document["components"]["schemas"]
    items = schemas["EventBatch"]["properties"]["events"]["items"]
    assert items["discriminator"]["propertyName"] == "type"
    assert list(items["discriminator"]["mapping"]) == sorted(PLATFORM_EVENTS)
    for event_type, ref in items["discriminator"]["mapping"].items():
        event = schemas[ref.rsplit("/", 1)[1]]
        assert event["properties"]["type"]["const"] == event_type and event["additionalProperties"] is False
        assert event["properties"]["id"]["pattern"] == "^[A-Za-z0-9._:@/+=-]+$"  # never our own ids' "#"
        data = EVENTS[event_type].data.__name__
        assert event["properties"]["data"] == {"$ref": f"#/components/schemas/{data}"}
    assert schemas["AttackDetectedEvent"]["required"] == ["id", "type", "time", "data"]
    assert set(schemas["AttackData"]["required"]) == {"type", "host"}
    assert not any(t.startswith(("integration.", "trigger.")) for t in items["discriminator"]["mapping"])
