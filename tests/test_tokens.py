"""Scenarios for POST/DELETE /v1/tokens: roles, hashing at rest, revocation, tenant scoping."""

import hashlib
import re

import pytest

from tests.conftest import Api, TenantHandle
from tests.support import assert_error, detail_paths, scan

TOKEN = re.compile(r"^ert_(?P<id>[0-9a-f]+)_(?P<secret>[A-Za-z0-9_-]+)$")


def test_admin_creates_a_viewer_token(acme: TenantHandle) -> None:
    # WHEN an admin creates a viewer token
    status, body = acme.call("POST", "/v1/tokens", {"name": " ci ", "role": "viewer"})
    # THEN the raw token is returned once, with its public id
    assert status == 201, body
    assert set(body) == {"id", "name", "role", "token", "created_at"}
    assert (body["name"], body["role"], body["created_at"]) == ("ci", "viewer", "2026-11-25T10:00:00Z")
    match = TOKEN.match(body["token"])
    assert match and match["id"] == body["id"]
    assert len(match["secret"]) >= 22  # at least 128 bits of base64url
    # AND the token reads the tenant
    assert acme.call("GET", "/v1/tenant", token=body["token"])[0] == 200


def test_the_role_defaults_to_viewer(acme: TenantHandle) -> None:
    status, body = acme.call("POST", "/v1/tokens", {"name": "dashboard"})
    assert (status, body["role"]) == (201, "viewer")
    assert_error(acme.call("POST", "/v1/integrations", {"name": "x", "emails": "a@acme.io"}, token=body["token"]),
                 403, "forbidden")


def test_admin_creates_an_admin_token_that_can_write(acme: TenantHandle) -> None:
    admin = acme.token_for("admin")
    assert acme.call("POST", "/v1/integrations", {"name": "x", "emails": "a@acme.io"}, token=admin)[0] == 201
    assert acme.call("POST", "/v1/tokens", {"name": "more", "role": "viewer"}, token=admin)[0] == 201


def test_tokens_are_stored_only_as_hashes(api: Api) -> None:
    # GIVEN a tenant (first admin token) and two more tokens
    acme = api.tenant()
    raw_tokens = [acme.token, acme.token_for("viewer"), acme.token_for("admin")]
    # WHEN every table is read back directly
    everything = repr([scan(table) for table in ("tokens_table", "tenants_table", "integrations_table")])
    stored = {item["id"]: item for item in scan("tokens_table")}
    # THEN no raw token nor its secret part is anywhere; the record holds the secret's SHA-256
    assert len(stored) == 3
    for raw in raw_tokens:
        match = TOKEN.match(raw)
        assert match
        assert raw not in everything and match["secret"] not in everything
        record = stored[match["id"]]
        assert record["tenant_id"] == acme.id
        assert record["secret_hash"] == hashlib.sha256(match["secret"].encode()).hexdigest()


def test_a_viewer_cannot_create_or_delete_tokens(acme: TenantHandle) -> None:
    viewer = acme.token_for("viewer")
    assert_error(acme.call("POST", "/v1/tokens", {"name": "x", "role": "admin"}, token=viewer), 403, "forbidden")
    admin_id = TOKEN.match(acme.token)["id"]
    assert_error(acme.call("DELETE", f"/v1/tokens/{admin_id}", token=viewer), 403, "forbidden")
    assert len(scan("tokens_table")) == 2
    assert acme.call("GET", "/v1/tenant")[0] == 200


@pytest.mark.parametrize(("body", "paths"), [
    ({"name": "x", "role": "owner"}, ["role"]),
    ({"role": "viewer"}, ["name"]),
    ({"name": "", "role": "viewer"}, ["name"]),
    ({"name": "x" * 129}, ["name"]),
    ({"name": "x", "role": None}, ["role"]),
    ({"name": "x", "tenant_id": "other"}, ["tenant_id"]),
])
def test_invalid_token_requests_are_rejected(acme: TenantHandle, body: dict[str, object], paths: list[str]) -> None:
    error = assert_error(acme.call("POST", "/v1/tokens", body), 422, "validation_failed")
    assert detail_paths(error) == paths
    assert len(scan("tokens_table")) == 1


def test_deleting_a_token_revokes_it_immediately(acme: TenantHandle) -> None:
    # GIVEN a working viewer token
    status, created = acme.call("POST", "/v1/tokens", {"name": "ci", "role": "viewer"})
    assert acme.call("GET", "/v1/tenant", token=created["token"])[0] == 200
    # WHEN the admin deletes it
    status, body = acme.call("DELETE", f"/v1/tokens/{created['id']}")
    assert (status, body) == (204, None)
    # THEN the very next request with it is refused, and its record is gone
    assert_error(acme.call("GET", "/v1/tenant", token=created["token"]), 401, "unauthorized")
    assert created["id"] not in {item["id"] for item in scan("tokens_table")}
    # AND deleting it again is a 404
    assert_error(acme.call("DELETE", f"/v1/tokens/{created['id']}"), 404, "not_found")


def test_an_admin_can_revoke_the_token_it_is_using(acme: TenantHandle) -> None:
    spare = acme.token_for("admin")
    own_id = TOKEN.match(acme.token)["id"]
    assert acme.call("DELETE", f"/v1/tokens/{own_id}")[0] == 204
    assert_error(acme.call("GET", "/v1/tenant"), 401, "unauthorized")
    assert acme.call("GET", "/v1/tenant", token=spare)[0] == 200


def test_deleting_another_tenants_token_is_not_found_and_it_keeps_working(acme: TenantHandle,
                                                                         globex: TenantHandle) -> None:
    # GIVEN a token of Globex
    globex_id = TOKEN.match(globex.token)["id"]
    # WHEN Acme's admin tries to delete it THEN 404, as if it did not exist
    assert_error(acme.call("DELETE", f"/v1/tokens/{globex_id}"), 404, "not_found")
    # AND it still works for Globex
    status, tenant = globex.call("GET", "/v1/tenant")
    assert (status, tenant["id"]) == (200, globex.id)
    assert globex_id in {item["id"] for item in scan("tokens_table")}


def test_deleting_an_unknown_token_is_not_found(acme: TenantHandle) -> None:
    assert_error(acme.call("DELETE", "/v1/tokens/0123456789abcdef"), 404, "not_found")
    assert_error(acme.call("DELETE", "/v1/tokens/" + "z" * 300), 404, "not_found")


@pytest.mark.parametrize("tamper", [
    lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),  # wrong secret
    lambda raw: raw.rsplit("_", 1)[0] + "_",  # no secret
    lambda raw: raw.rsplit("_", 1)[0],  # id only
    lambda raw: "xyz" + raw[3:],  # wrong prefix
    lambda raw: raw.upper(),
    lambda raw: raw + "x",
])
def test_a_tampered_token_is_refused(acme: TenantHandle, tamper: object) -> None:
    assert_error(acme.call("GET", "/v1/tenant", token=tamper(acme.token)), 401, "unauthorized")
