"""Every failure answers in the one JSON error shape, with the right status, and never a 5xx or a trace."""

import json
from typing import Any

import pytest

from app import app
from chalicelib.api.routing import OPERATIONS
from chalicelib.integrations import service
from tests.support.api import OPERATOR, Api, TenantHandle
from tests.support.checks import assert_error, integration_items

assert app.routes, "importing the app registers its OPERATIONS"
PROTECTED = [op for op in OPERATIONS if op.access != "public"]
WITH_ID = [op for op in PROTECTED if op.path_params]


def concrete(path: str, value: str = "x") -> str:
    """The path with every ``{param}`` replaced by ``value``."""
    for part in path.split("/"):
        if part.startswith("{"):
            path = path.replace(part, value)
    return path


# --- bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ['{"name": "SOC",', "{'name': 'SOC'}", "not json", b"\xff\xfe{}", "[1, 2"])
def test_malformed_json_is_a_bad_request(acme: TenantHandle, raw: Any) -> None:
    error = assert_error(acme.call("POST", "/v1/integrations", raw), 400, "bad_request")
    assert "JSON" in error["message"]


@pytest.mark.parametrize("raw", ["", "   ", "\n"])
def test_an_empty_body_is_a_bad_request(acme: TenantHandle, raw: str) -> None:
    assert_error(acme.call("POST", "/v1/integrations", raw), 400, "bad_request")


@pytest.mark.parametrize("raw", ["null", "[]", '["SOC"]', '"SOC"', "42", "true"])
def test_a_json_body_that_is_not_an_object_is_invalid(acme: TenantHandle, raw: str) -> None:
    assert_error(acme.call("POST", "/v1/integrations", raw), 422, "validation_failed")


def test_deeply_nested_json_is_a_client_error(acme: TenantHandle) -> None:
    assert_error(acme.call("POST", "/v1/integrations", "[" * 30000 + "]" * 30000), 400, "bad_request")
    nested = '{"name": "SOC", "emails": ' + "[" * 500 + "]" * 500 + "}"
    assert_error(acme.call("POST", "/v1/integrations", nested), 422)


def padded_body(size: int) -> str:
    """A JSON object of exactly ``size`` bytes."""
    skeleton = json.dumps({"name": "SOC", "emails": "a@acme.io", "padding": ""})
    return skeleton[:-2] + "x" * (size - len(skeleton)) + '"}'


def test_a_body_over_64_kib_is_too_large(acme: TenantHandle) -> None:
    body = padded_body(64 * 1024 + 1)
    assert len(body.encode()) == 64 * 1024 + 1
    assert_error(acme.call("POST", "/v1/integrations", body), 413, "payload_too_large")
    assert_error(acme.call("PATCH", "/v1/tenant", body), 413, "payload_too_large")
    assert len(integration_items(acme.id)) == 2


def test_a_body_of_exactly_64_kib_is_read(acme: TenantHandle) -> None:
    # the padding field is unknown, so it is read and rejected as invalid, not as too large
    error = assert_error(acme.call("POST", "/v1/integrations", padded_body(64 * 1024)), 422)
    assert [detail["path"] for detail in error["details"]] == ["padding"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          "multipart/form-data; boundary=x"])
def test_a_body_that_is_not_json_is_an_unsupported_media_type(acme: TenantHandle, content_type: str) -> None:
    response = acme.call("POST", "/v1/integrations", {"name": "SOC", "emails": "a@acme.io"},
                         headers={"Content-Type": content_type})
    assert_error(response, 415)
    assert len(integration_items(acme.id)) == 2


def test_json_with_a_charset_is_accepted(acme: TenantHandle) -> None:
    response = acme.call("POST", "/v1/integrations", {"name": "SOC", "emails": "a@acme.io"},
                         headers={"Content-Type": "application/json; charset=utf-8"})
    assert response[0] == 201


# --- methods, paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("PUT", "/v1/integrations"), ("DELETE", "/v1/integrations"),
                                              ("PUT", "/v1/tenant"), ("PATCH", "/v1/tokens"),
                                              ("POST", "/v1/openapi.json"), ("GET", "/v1/integrations/x/enable")])
def test_an_unsupported_method_is_405_in_the_error_shape(api: Api, acme: TenantHandle, method: str,
                                                         path: str) -> None:
    status, body, headers = api.call(method, path, {}, token=acme.token)
    assert_error((status, body), 405)
    assert headers.get("Content-Type") == "application/json"
    assert "Allow" in headers


ABSURD_IDS = ["x" * 10_000, "%00", "%0d%0aSet-Cookie:%20a=b", "a%2Fb", "%2E%2E", "%F0%9F%92%A3", "%ED%A0%80",
              "%FF", "'%20OR%201=1--", "%3Cscript%3E", "%22", "a%20b", "%5C", "int%23x", "*", "~"]


@pytest.mark.writes_nothing
@pytest.mark.parametrize("op", WITH_ID, ids=lambda op: f"{op.method} {op.path}")
@pytest.mark.parametrize("value", ABSURD_IDS, ids=lambda value: value[:20])
def test_absurd_ids_are_not_found(acme: TenantHandle, op: Any, value: str) -> None:
    body = ({"frequency": "weekly"} if op.path.endswith("/reports/send") else {"name": "x"}) if op.body else None
    if op.access == "operator":  # the operator's operations refuse tenant tokens before reading any id
        response = acme.api.call(op.method, concrete(op.path, value), body, headers=OPERATOR)[:2]
    else:
        response = acme.call(op.method, concrete(op.path, value), body)
    assert_error(response, 404, "not_found")


# --- authentication ---------------------------------------------------------------------------


AUTHORIZATIONS = [None, "", "Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwYXNz", "Token abc", "garbage",
                  "Bearer garbage", "Bearer ert_", "Bearer ert__", "Bearer ert_abc_def", "Bearer ert_../x_y",
                  "Bearer ert_" + "a" * 5000 + "_b", "Bearer ert_%00_x", "bearer", "Bearerert_x_y"]


@pytest.mark.writes_nothing
@pytest.mark.parametrize("op", PROTECTED, ids=lambda op: f"{op.method} {op.path}")
def test_every_protected_route_needs_a_valid_token(api: Api, acme: TenantHandle, op: Any) -> None:
    path = concrete(op.path)
    for authorization in AUTHORIZATIONS:
        headers = {} if authorization is None else {"Authorization": authorization}
        status, body, _ = api.call(op.method, path, body={} if op.body else None, headers=headers)
        assert_error((status, body), 401, "unauthorized")


def test_the_raw_token_without_bearer_is_refused(acme: TenantHandle, api: Api) -> None:
    status, body, _ = api.call("GET", "/v1/tenant", headers={"Authorization": acme.token})
    assert_error((status, body), 401, "unauthorized")


def test_bearer_is_case_insensitive(acme: TenantHandle, api: Api) -> None:
    status, _, _ = api.call("GET", "/v1/tenant", headers={"Authorization": f"bearer {acme.token}"})
    assert status == 200


# --- unexpected failures ----------------------------------------------------------------------


def test_an_unexpected_exception_is_a_generic_500_that_leaks_nothing(
        api: Api, acme: TenantHandle, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a domain function that fails unexpectedly
    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("password=hunter2 at /var/task/chalicelib/secret.py")

    monkeypatch.setattr(service, "create", explode)
    # WHEN a request reaches it
    status, body, headers = api.call("POST", "/v1/integrations", {"name": "SOC", "emails": "a@acme.io"},
                                     token=acme.token)
    # THEN the caller gets a generic 500 in the error shape, with nothing of the exception
    assert (status, body) == (500, {"error": {"code": "internal", "message": "internal error", "details": []}})
    assert headers["Content-Type"] == "application/json"
    assert not {"hunter2", "Traceback", "RuntimeError", "secret.py"} & set(json.dumps(body).split())
    # AND the exception is logged for the operators
    [record] = [record for record in caplog.records if record.exc_info]
    assert record.levelname == "ERROR" and "hunter2" in str(record.exc_info[1])


def test_every_error_of_a_session_has_the_same_shape(api: Api, acme: TenantHandle) -> None:
    responses = [
        acme.call("POST", "/v1/integrations", "{"),
        acme.call("POST", "/v1/integrations", {}),
        acme.call("GET", "/v1/integrations/nope"),
        acme.call("GET", "/v1/integrations?cursor=zz"),
        acme.call("POST", "/v1/tokens", {"name": "v"}, token="nope"),
        acme.call("POST", "/v1/tokens", {"name": "v"}, token=acme.token_for("viewer")),
    ]
    assert [assert_error(response, response[0])["code"] for response in responses] == [
        "bad_request", "validation_failed", "not_found", "bad_request", "unauthorized", "forbidden"]
