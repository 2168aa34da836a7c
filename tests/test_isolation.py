"""Tenant isolation: another tenant's integration is as absent as a missing one, and stays untouched."""

from typing import Any

import pytest

from tests.conftest import TenantHandle
from tests.support import assert_error, integration_items

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
