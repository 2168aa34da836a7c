"""Scenarios for POST/DELETE /v1/tokens: roles, hashing at rest, revocation, tenant scoping."""

import hashlib
import re

import pytest

from chalicelib.aws import tokens_repo
from tests.support.api import OPERATOR, Api, TenantHandle
from tests.support.checks import assert_error, detail_paths, scan
from tests.support.clock import FrozenClock
from tests.support.concurrency import concurrently

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


# --- listing and last use ----------------------------------------------------------------------


def test_an_admin_lists_the_tokens_without_their_secrets(acme: TenantHandle, globex: TenantHandle,
                                                          frozen_clock: FrozenClock) -> None:
    # GIVEN Acme's first admin token, first used an hour after it was made to make a viewer token
    frozen_clock.advance(hours=1)
    status, viewer = acme.call("POST", "/v1/tokens", {"name": "dashboard", "role": "viewer"})
    # WHEN Acme's admin lists the tokens
    status, body = acme.call("GET", "/v1/tokens")
    # THEN each of Acme's tokens (not Globex's) is listed with its id, name, role, creation and last use, only
    assert status == 200, body
    first_id = TOKEN.match(acme.token)["id"]
    assert sorted(body["items"], key=lambda item: item["created_at"]) == [
        {"id": first_id, "name": "first admin token", "role": "admin", "created_at": "2026-11-25T10:00:00Z",
         "last_used_at": "2026-11-25T11:00:00Z"},
        {"id": viewer["id"], "name": "dashboard", "role": "viewer", "created_at": "2026-11-25T11:00:00Z",
         "last_used_at": None},
    ]
    assert body["next_cursor"] is None
    # AND no secret or hash of any token is in the answer
    listed = repr(body)
    for item in scan("tokens_table"):
        assert item["secret_hash"] not in listed
    for raw in (acme.token, viewer["token"]):
        assert TOKEN.match(raw)["secret"] not in listed


def test_tokens_are_listed_page_by_page(acme: TenantHandle) -> None:
    made = {acme.call("POST", "/v1/tokens", {"name": f"t{n}"})[1]["id"] for n in range(4)}
    seen, cursor = [], None
    while True:
        status, page = acme.call("GET", "/v1/tokens?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200 and len(page["items"]) <= 2, page
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted(made | {TOKEN.match(acme.token)["id"]})


def test_a_viewer_cannot_list_tokens(acme: TenantHandle) -> None:
    assert_error(acme.call("GET", "/v1/tokens", token=acme.token_for("viewer")), 403, "forbidden")


def test_last_use_is_written_at_most_once_an_hour(acme: TenantHandle, frozen_clock: FrozenClock,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a count of the writes of a token's last use
    writes: list[dict[str, object]] = []
    real_table = tokens_repo._table

    class Spy:
        def __getattr__(self, name: str) -> object:
            return getattr(real_table(), name)

        def update_item(self, **params: object) -> object:
            writes.append(params)
            return real_table().update_item(**params)

    monkeypatch.setattr(tokens_repo, "_table", Spy)
    token_id = TOKEN.match(acme.token)["id"]

    def last_used() -> str:
        return {item["id"]: item for item in scan("tokens_table")}[token_id]["last_used_at"]

    # WHEN the token makes ten requests over 50 minutes THEN its last use was written once, at the first
    for _ in range(10):
        assert acme.call("GET", "/v1/tenant")[0] == 200
        frozen_clock.advance(minutes=5)
    assert len(writes) == 1 and last_used() == "2026-11-25T10:00:00Z"
    # AND once an hour has passed, the next request writes it again
    frozen_clock.advance(minutes=10)
    assert acme.call("GET", "/v1/tenant")[0] == 200
    assert len(writes) == 2 and last_used() == "2026-11-25T11:00:00Z"


# --- the last admin token ------------------------------------------------------------------------


def test_the_last_admin_token_cannot_be_revoked(acme: TenantHandle) -> None:
    # GIVEN Acme's only admin token, and a viewer token (which does not count)
    viewer = acme.token_for("viewer")
    own_id = TOKEN.match(acme.token)["id"]
    # WHEN the admin revokes its own token THEN 409 with the reason, and the token keeps working
    error = assert_error(acme.call("DELETE", f"/v1/tokens/{own_id}"), 409, "conflict")
    assert error["message"] == "this is the tenant's last admin token; create another admin token before revoking it"
    assert acme.call("GET", "/v1/tokens")[0] == 200
    # AND with a second admin token, the first can go, and then the second is the last
    spare = acme.token_for("admin")
    assert acme.call("DELETE", f"/v1/tokens/{own_id}", token=spare)[0] == 204
    spare_id = TOKEN.match(spare)["id"]
    assert_error(acme.call("DELETE", f"/v1/tokens/{spare_id}", token=spare), 409, "conflict")
    assert acme.call("DELETE", f"/v1/tokens/{TOKEN.match(viewer)['id']}", token=spare)[0] == 204


def test_two_admins_revoking_each_other_at_once_leave_one_admin(api: Api, acme: TenantHandle) -> None:
    # GIVEN two admin tokens of Acme
    other = acme.token_for("admin")
    pairs = [(acme.token, other), (other, acme.token)]
    # WHEN each revokes the other at the same moment
    results = concurrently([lambda caller=caller, target=target: api.call(
        "DELETE", f"/v1/tokens/{TOKEN.match(target)['id']}", token=caller)[:2] for caller, target in pairs])
    # THEN one revocation went through and the other did not: refused as the last admin (409), or its caller was
    # already revoked when it arrived (401); one admin token is left, and it works
    assert sorted(status for status, _ in results) in ([204, 401], [204, 409])
    survivors = [caller for (caller, _), (status, _) in zip(pairs, results, strict=True) if status == 204]
    assert [item["role"] for item in scan("tokens_table")] == ["admin"]
    assert acme.call("GET", "/v1/tokens", token=survivors[0])[0] == 200


def test_revoking_every_admin_token_at_once_leaves_exactly_one(api: Api, acme: TenantHandle) -> None:
    # GIVEN five admin tokens
    tokens = [acme.token] + [acme.token_for("admin") for _ in range(4)]
    # WHEN each revokes itself at the same moment (one caller revoking all five could be refused as revoked, 401,
    # once its own revocation went through first)
    results = concurrently([lambda target=target: api.call(
        "DELETE", f"/v1/tokens/{TOKEN.match(target)['id']}", token=target)[:2] for target in tokens])
    # THEN exactly four went, one is refused as the last, and the tenant's count agrees with the table
    statuses = [status for status, _ in results]
    assert sorted(statuses) == [204] * 4 + [409]
    [left] = scan("tokens_table")
    assert left["id"] == TOKEN.match(tokens[statuses.index(409)])["id"]
    assert scan("tenants_table")[0]["admin_tokens"] == 1


# --- the operator's way back in -------------------------------------------------------------------


def test_the_operator_issues_a_new_admin_token(api: Api, acme: TenantHandle) -> None:
    # WHEN the operator issues an admin token for Acme
    status, body, _ = api.call("POST", f"/v1/tenants/{acme.id}/tokens", headers=OPERATOR)
    # THEN it is shown once, is an admin token of Acme, and is stored only as a hash
    assert status == 201, body
    assert (body["name"], body["role"], set(body)) == ("issued by the operator", "admin",
                                                       {"id", "name", "role", "created_at", "token"})
    status, tenant, _ = api.call("GET", "/v1/tenant", token=body["token"])
    assert (status, tenant["id"]) == (200, acme.id)
    assert TOKEN.match(body["token"])["secret"] not in repr(scan("tokens_table"))
    # AND with two admin tokens, the first can now be revoked
    assert acme.call("DELETE", f"/v1/tokens/{TOKEN.match(acme.token)['id']}", token=body["token"])[0] == 204


def test_only_the_operator_issues_tokens_for_a_tenant_and_only_for_one_that_exists(api: Api,
                                                                                  acme: TenantHandle) -> None:
    assert_error(acme.call("POST", f"/v1/tenants/{acme.id}/tokens"), 401, "unauthorized")
    status, body, _ = api.call("POST", "/v1/tenants/00000000-0000-4000-8000-000000000000/tokens", headers=OPERATOR)
    assert_error((status, body), 404, "not_found")
    assert len(scan("tokens_table")) == 1
