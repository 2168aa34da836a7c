"""Scenarios for POST /v1/tenants (operator) and GET/PATCH /v1/tenant."""

from typing import Any

import pytest

from chalicelib.models.integrations import DEFAULT_INTEGRATION_EVENTS
from chalicelib.settings import get_settings
from tests.support.api import OPERATOR, Api, TenantHandle
from tests.support.checks import assert_error, detail_paths, integration_items, scan

ACME = {"name": "Acme", "primary_email": "sec@acme.io", "timezone": "Europe/Berlin"}


def create_tenant(api: Api, body: Any, headers: dict[str, str] | None = OPERATOR) -> tuple[int, Any]:
    status, parsed, _ = api.call("POST", "/v1/tenants", body=body, headers=headers)
    return status, parsed


# --- POST /v1/tenants -----------------------------------------------------------------------


def test_operator_creates_a_tenant_with_a_working_admin_token(api: Api) -> None:
    # WHEN the operator creates a tenant
    status, body = create_tenant(api, ACME)
    # THEN it is answered with the tenant and an admin token shown once
    assert status == 201, body
    assert set(body) == {"tenant", "admin_token"}
    tenant = body["tenant"]
    assert {k: tenant[k] for k in ("name", "primary_email", "timezone")} == ACME
    assert tenant["created_at"] == "2026-11-25T10:00:00Z"
    # AND the tenant is stored
    assert [item["id"] for item in scan("tenants_table")] == [tenant["id"]]
    # AND the token reads this tenant
    status, read, _ = api.call("GET", "/v1/tenant", token=body["admin_token"])
    assert (status, read) == (200, tenant)


def test_time_zone_defaults_to_utc_and_input_is_normalised(api: Api) -> None:
    status, body = create_tenant(api, {"name": "  Acme  ", "primary_email": "Sec@ACME.IO"})
    assert status == 201, body
    assert body["tenant"]["name"] == "Acme"
    assert body["tenant"]["primary_email"] == "Sec@acme.io"
    assert body["tenant"]["timezone"] == "UTC"


def test_each_tenant_gets_its_own_id_and_token(api: Api) -> None:
    first, second = api.tenant(), api.tenant()
    assert first.id != second.id and first.token != second.token


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-secret"},
    {"Authorization": "operator-secret"},
    {"Authorization": "Basic operator-secret"},
    {"Authorization": "Bearer operator-secret-and-more"},
])
def test_creating_a_tenant_needs_the_operator_token(api: Api, headers: dict[str, str]) -> None:
    assert_error(create_tenant(api, ACME, headers), 401, "unauthorized")
    assert scan("tenants_table") == []


def test_a_tenant_admin_token_cannot_create_tenants(api: Api, acme: TenantHandle) -> None:
    assert_error(acme.call("POST", "/v1/tenants", ACME), 401, "unauthorized")
    assert len(scan("tenants_table")) == 1


def test_no_tenant_can_be_created_when_no_operator_token_is_configured(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a deployment without OPERATOR_TOKEN
    monkeypatch.delenv("OPERATOR_TOKEN")
    get_settings.cache_clear()
    try:
        assert get_settings().operator_token is None
        # WHEN anyone tries, with whatever bearer value THEN 401
        for value in ("operator-secret", "None", "null", "''"):
            assert_error(create_tenant(api, ACME, {"Authorization": f"Bearer {value}"}), 401, "unauthorized")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert scan("tenants_table") == []


@pytest.mark.parametrize(("body", "paths"), [
    ({**ACME, "timezone": "Mars/Olympus"}, ["timezone"]),
    ({**ACME, "timezone": "europe/berlin"}, ["timezone"]),
    ({**ACME, "primary_email": "not-an-address"}, ["primary_email"]),
    ({**ACME, "name": "   "}, ["name"]),
    ({**ACME, "name": "Ac\r\nme"}, ["name"]),
    ({"timezone": "UTC"}, ["name", "primary_email"]),
    ({**ACME, "plan": "gold"}, ["plan"]),
])
def test_invalid_tenant_is_rejected_with_field_paths(api: Api, body: dict[str, Any], paths: list[str]) -> None:
    error = assert_error(create_tenant(api, body), 422, "validation_failed")
    assert sorted(detail_paths(error)) == paths
    assert scan("tenants_table") == [] and scan("integrations_table") == [] and scan("tokens_table") == []


def test_a_new_tenant_has_a_default_integration_to_its_primary_email(api: Api) -> None:
    # GIVEN a new tenant
    tenant = api.tenant("Acme", "Sec@Acme.io")
    # WHEN it lists its integrations
    status, page = tenant.call("GET", "/v1/integrations")
    # THEN there is one, active, sending to the primary email
    assert status == 200
    assert page["next_cursor"] is None
    [default] = page["items"]
    assert default["name"] == "Primary email"
    assert default["emails"] == ["Sec@acme.io"]
    assert default["events"] == list(DEFAULT_INTEGRATION_EVENTS)
    assert default["active"] is True and default["disabled_reason"] is None
    # AND DynamoDB holds it and its name claim
    assert [item["sk"] for item in integration_items(tenant.id)] == [f"int#{default['id']}", "name#primary email"]


def test_the_default_integration_can_be_edited_disabled_and_deleted(acme: TenantHandle) -> None:
    [default] = acme.call("GET", "/v1/integrations")[1]["items"]
    path = f"/v1/integrations/{default['id']}"
    assert acme.call("PATCH", path, {"emails": "soc@acme.io"})[1]["emails"] == ["soc@acme.io"]
    assert acme.call("POST", f"{path}/disable")[1]["active"] is False
    assert acme.call("DELETE", path)[0] == 204
    assert acme.call("GET", "/v1/integrations")[1]["items"] == []
    assert integration_items(acme.id) == []


# --- GET /v1/tenant ---------------------------------------------------------------------------


def test_admin_and_viewer_read_their_tenant(acme: TenantHandle) -> None:
    viewer = acme.token_for("viewer")
    for token in (acme.token, viewer):
        status, body = acme.call("GET", "/v1/tenant", token=token)
        assert status == 200
        assert body == acme.tenant


def test_each_token_reads_only_its_own_tenant(acme: TenantHandle, globex: TenantHandle) -> None:
    assert acme.call("GET", "/v1/tenant")[1]["id"] == acme.id
    assert globex.call("GET", "/v1/tenant")[1]["id"] == globex.id


def test_reading_the_tenant_needs_a_token(api: Api, acme: TenantHandle) -> None:
    status, body, _ = api.call("GET", "/v1/tenant")
    assert_error((status, body), 401, "unauthorized")


# --- PATCH /v1/tenant ---------------------------------------------------------------------------


def stored_tenant(tenant_id: str) -> dict[str, Any]:
    [item] = [item for item in scan("tenants_table") if item["id"] == tenant_id]
    return item


def test_admin_changes_the_time_zone_and_other_fields_are_kept(acme: TenantHandle) -> None:
    status, body = acme.call("PATCH", "/v1/tenant", {"timezone": "America/New_York"})
    assert status == 200, body
    assert body == {**acme.tenant, "timezone": "America/New_York"}
    assert stored_tenant(acme.id)["timezone"] == "America/New_York"
    assert acme.call("GET", "/v1/tenant")[1] == body


def test_changing_the_primary_email_keeps_the_integrations_addresses(acme: TenantHandle) -> None:
    status, body = acme.call("PATCH", "/v1/tenant", {"primary_email": "Boss@ACME.io", "name": " Acme Inc "})
    assert status == 200, body
    assert (body["primary_email"], body["name"]) == ("Boss@acme.io", "Acme Inc")
    [default] = acme.call("GET", "/v1/integrations")[1]["items"]
    assert default["emails"] == ["sec@acme.io"]


def test_an_empty_patch_changes_nothing(acme: TenantHandle) -> None:
    assert acme.call("PATCH", "/v1/tenant", {}) == (200, acme.tenant)


def test_a_viewer_cannot_change_the_tenant(acme: TenantHandle) -> None:
    viewer = acme.token_for("viewer")
    assert_error(acme.call("PATCH", "/v1/tenant", {"timezone": "Asia/Tokyo"}, token=viewer), 403, "forbidden")
    assert stored_tenant(acme.id)["timezone"] == "UTC"


@pytest.mark.parametrize(("body", "path"), [
    ({"timezone": "Nowhere/City"}, "timezone"),
    ({"timezone": None}, "timezone"),
    ({"primary_email": None}, "primary_email"),
    ({"name": None}, "name"),
    ({"primary_email": "nope"}, "primary_email"),
    ({"id": "another-tenant"}, "id"),
    ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
])
def test_invalid_tenant_patch_is_rejected_and_nothing_changes(acme: TenantHandle, body: dict[str, Any],
                                                               path: str) -> None:
    before = stored_tenant(acme.id)
    error = assert_error(acme.call("PATCH", "/v1/tenant", body), 422, "validation_failed")
    assert detail_paths(error) == [path]
    assert stored_tenant(acme.id) == before
