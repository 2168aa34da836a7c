"""Triggers API: CRUD, roles, tenant isolation, validation, the Terraform vocabulary, the per-tenant limit."""

from typing import Any

import pytest

from chalicelib.settings import get_settings
from chalicelib.triggers import service
from tests.support.api import TenantHandle
from tests.support.checks import assert_error, detail_paths

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def threshold(**fields: Any) -> dict[str, Any]:
    return {"type": "threshold", "metric": "attacks", "interval": "minute", "threshold": 100, **fields}


def create(tenant: TenantHandle, integration_ids: list[str], **fields: Any) -> dict[str, Any]:
    body = {"name": "Attack flood", "integration_ids": integration_ids, "condition": threshold(), **fields}
    status, created = tenant.call("POST", "/v1/triggers", body)
    assert status == 201, created
    return created


def test_admin_creates_reads_lists_changes_and_deletes_a_trigger(acme: TenantHandle) -> None:
    soc = acme.integration()
    created = create(acme, [soc["id"]], condition=threshold(filters={"domain": ["api.acme.io"],
                                                                     "attack_type": {"values": ["xss"],
                                                                                     "exclude": True}}))
    assert created["active"] is True and created["disabled_reason"] is None
    assert created["condition"]["filters"] == {"domain": {"values": ["api.acme.io"], "exclude": False},
                                               "attack_type": {"values": ["xss"], "exclude": True},
                                               "ip": None, "application": None}
    assert acme.call("GET", f"/v1/triggers/{created['id']}") == (200, created)
    assert acme.call("GET", "/v1/triggers")[1] == {"items": [created], "next_cursor": None}

    status, changed = acme.call("PATCH", f"/v1/triggers/{created['id']}", {"active": False, "name": "Renamed"})
    assert status == 200 and changed["active"] is False and changed["disabled_reason"] == "manual"
    assert changed["name"] == "Renamed" and changed["condition"] == created["condition"]
    status, enabled = acme.call("PATCH", f"/v1/triggers/{created['id']}", {"active": True})
    assert enabled["active"] is True and enabled["disabled_reason"] is None

    assert acme.call("DELETE", f"/v1/triggers/{created['id']}")[0] == 204
    assert_error(acme.call("GET", f"/v1/triggers/{created['id']}"), 404, "not_found")


def test_viewer_reads_but_does_not_write(acme: TenantHandle) -> None:
    created = create(acme, [acme.integration()["id"]])
    viewer = acme.token_for("viewer")
    assert acme.call("GET", f"/v1/triggers/{created['id']}", token=viewer)[0] == 200
    assert acme.call("GET", "/v1/triggers", token=viewer)[0] == 200
    body = {"name": "x", "integration_ids": created["integration_ids"], "condition": {"type": "user_added"}}
    assert_error(acme.call("POST", "/v1/triggers", body, token=viewer), 403)
    assert_error(acme.call("PATCH", f"/v1/triggers/{created['id']}", {"name": "y"}, token=viewer), 403)
    assert_error(acme.call("DELETE", f"/v1/triggers/{created['id']}", token=viewer), 403)


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PATCH", {"name": "pwned"}), ("DELETE", None)])
def test_another_tenants_trigger_is_not_found(acme: TenantHandle, globex: TenantHandle, method: str,
                                              body: dict[str, str] | None) -> None:
    created = create(acme, [acme.integration()["id"]])
    theirs = assert_error(globex.call(method, f"/v1/triggers/{created['id']}", body), 404, "not_found")
    unknown = assert_error(globex.call(method, f"/v1/triggers/{UNKNOWN}", body), 404, "not_found")
    assert theirs["message"].replace(created["id"], "<id>") == unknown["message"].replace(UNKNOWN, "<id>")
    assert acme.call("GET", f"/v1/triggers/{created['id']}") == (200, created)
    assert globex.call("GET", "/v1/triggers")[1]["items"] == []


def test_integrations_must_belong_to_the_tenant(acme: TenantHandle, globex: TenantHandle) -> None:
    ours, theirs = acme.integration(), globex.integration(name="G", emails="g@globex.example")
    body = {"name": "t", "integration_ids": [ours["id"], theirs["id"]], "condition": {"type": "api_changed"}}
    error = assert_error(acme.call("POST", "/v1/triggers", body), 404, "not_found")  # as unknown as a missing one
    assert detail_paths(error) == ["integration_ids.1"]
    created = create(acme, [ours["id"]])
    error = assert_error(acme.call("PATCH", f"/v1/triggers/{created['id']}", {"integration_ids": [UNKNOWN]}), 404)
    assert detail_paths(error) == ["integration_ids.0"]


@pytest.mark.parametrize(("body", "path"), [
    ({"name": "t", "condition": {"type": "api_changed"}}, ""),
    ({"name": "t", "integration_ids": [], "condition": {"type": "api_changed"}}, "integration_ids"),
    ({"name": "t", "integration_ids": ["i"], "condition": {"type": "nope"}}, "condition"),
    ({"name": "t", "integration_ids": ["i"], "condition": threshold(threshold=-1)}, "condition.threshold.threshold"),
    ({"name": "t", "integration_ids": ["i"], "condition": threshold(threshold=10**9 + 1)},
     "condition.threshold.threshold"),
    ({"name": "t", "integration_ids": ["i"], "condition": threshold(interval="week")},
     "condition.threshold.interval"),
    ({"name": "t", "integration_ids": ["i"], "condition": threshold(metric="vulns")}, "condition.threshold.metric"),
    ({"name": "t", "integration_ids": ["i"], "condition": threshold(filters={"host": ["a"]})},
     "condition.threshold.filters.host"),
    ({"name": "t", "integration_ids": ["i"], "condition": threshold(filters={"ip": []})},
     "condition.threshold.filters.ip.values"),
])
def test_invalid_bodies_are_422_with_the_field(acme: TenantHandle, body: dict[str, Any], path: str) -> None:
    error = assert_error(acme.call("POST", "/v1/triggers", body), 422, "validation_failed")
    assert any(p == path or p.startswith(path) for p in detail_paths(error)), error


def test_filter_values_that_never_match_are_refused_each_named_and_nothing_is_stored(acme: TenantHandle) -> None:
    soc = acme.integration()
    body = {"name": "t", "integration_ids": [soc["id"]],
            "condition": threshold(filters={"ip": ["10.0.0.0/33", "not-an-ip", "10.1.0.0/16"],
                                            "domain": ["https://api.acme.io/login"]})}
    error = assert_error(acme.call("POST", "/v1/triggers", body), 422, "validation_failed")
    messages = {detail["path"]: detail["message"] for detail in error["details"]}
    assert set(messages) == {"condition.threshold.filters.ip", "condition.threshold.filters.domain"}
    assert "'10.0.0.0/33' is not an IPv4/IPv6 address or CIDR block" in messages["condition.threshold.filters.ip"]
    assert "'not-an-ip' is not" in messages["condition.threshold.filters.ip"]
    assert "10.1.0.0/16" not in messages["condition.threshold.filters.ip"]
    terraform = {"template_id": "attacks_exceeded", "threshold": {"period": 60, "count": 5},
                 "filters": [{"filter_id": "ip_address", "value": ["1.2.3.4/40"]}],
                 "actions": [{"action_id": "send_notification", "integration_id": [soc["id"]]}]}
    error = assert_error(acme.call("POST", "/v1/triggers", terraform), 422, "validation_failed")
    assert detail_paths(error) == ["filters.0"] and "'1.2.3.4/40' is not" in error["details"][0]["message"]
    assert acme.call("GET", "/v1/triggers")[1]["items"] == []


def test_terraform_vocabulary_is_mapped_onto_the_native_shape(acme: TenantHandle) -> None:
    soc, ops = acme.integration(), acme.integration(name="Ops", emails="ops@acme.io")
    body = {"template_id": "hits_exceeded", "enabled": False, "comment": "from terraform",
            "threshold": {"period": 3600, "operator": "gt", "count": 5000},
            "filters": [{"filter_id": "ip_address", "operator": "eq", "value": ["10.0.0.0/8"]},
                        {"filter_id": "pool", "operator": "ne", "value": ["staging"]}],
            "actions": [{"action_id": "send_notification", "integration_id": [soc["id"]]},
                        {"action_id": "send_notification", "integration_id": [ops["id"], soc["id"]]}]}
    status, created = acme.call("POST", "/v1/triggers", body)
    assert status == 201, created
    assert created["name"] == "Hits exceeded" and created["comment"] == "from terraform"
    assert created["active"] is False and created["integration_ids"] == [soc["id"], ops["id"]]
    assert created["condition"] == {
        "type": "threshold", "metric": "hits", "interval": "hour", "threshold": 5000,
        "filters": {"domain": None, "attack_type": None, "ip": {"values": ["10.0.0.0/8"], "exclude": False},
                    "application": {"values": ["staging"], "exclude": True}}}
    users = {"template_id": "user_created", "name": "New users",
             "actions": [{"action_id": "send_notification", "integration_id": [soc["id"]]}]}
    status, created = acme.call("POST", "/v1/triggers", users)
    assert status == 201 and created["condition"] == {"type": "user_added"} and created["active"] is True


def test_terraform_period_other_than_minute_hour_day_is_422_listing_the_allowed_values(acme: TenantHandle) -> None:
    body = {"template_id": "attacks_exceeded", "threshold": {"period": 120, "operator": "gt", "count": 5},
            "actions": [{"action_id": "send_notification", "integration_id": [acme.integration()["id"]]}]}
    error = assert_error(acme.call("POST", "/v1/triggers", body), 422, "validation_failed")
    [detail] = error["details"]
    assert detail["path"] == "threshold.period"
    assert all(value in detail["message"] for value in ("60", "3600", "86400")), detail


def test_terraform_and_native_fields_do_not_mix(acme: TenantHandle) -> None:
    soc = acme.integration()
    mixed = {"template_id": "user_created", "condition": {"type": "user_added"}, "integration_ids": [soc["id"]],
             "actions": [{"action_id": "send_notification", "integration_id": [soc["id"]]}]}
    assert_error(acme.call("POST", "/v1/triggers", mixed), 422)
    stray = {"name": "t", "integration_ids": [soc["id"]], "condition": {"type": "user_added"},
             "threshold": {"period": 60, "count": 1}}
    assert_error(acme.call("POST", "/v1/triggers", stray), 422)


def test_at_most_the_limit_of_triggers_per_tenant(acme: TenantHandle, globex: TenantHandle,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_settings().max_triggers_per_tenant == 100
    monkeypatch.setattr(service, "get_settings", lambda: get_settings().model_copy(
        update={"max_triggers_per_tenant": 3}))
    soc = acme.integration()
    made = [create(acme, [soc["id"]], name=f"t{n}") for n in range(3)]
    assert_error(acme.call("POST", "/v1/triggers", {"name": "t4", "integration_ids": [soc["id"]],
                                                    "condition": {"type": "api_changed"}}), 409, "conflict")
    create(globex, [globex.integration(name="G", emails="g@globex.example")["id"]])  # per tenant
    assert acme.call("DELETE", f"/v1/triggers/{made[0]['id']}")[0] == 204
    create(acme, [soc["id"]], name="t4")


def test_deleting_an_integration_removes_it_from_every_trigger(acme: TenantHandle) -> None:
    soc, ops = acme.integration(), acme.integration(name="Ops", emails="ops@acme.io")
    both = create(acme, [soc["id"], ops["id"]], name="both")
    only = create(acme, [soc["id"]], name="only")
    assert acme.call("DELETE", f"/v1/integrations/{soc['id']}")[0] == 204

    both_now = acme.call("GET", f"/v1/triggers/{both['id']}")[1]
    assert both_now["integration_ids"] == [ops["id"]] and both_now["active"] is True
    only_now = acme.call("GET", f"/v1/triggers/{only['id']}")[1]
    assert only_now["integration_ids"] == [] and only_now["active"] is False
    assert "SOC" in only_now["disabled_reason"] and "deleted" in only_now["disabled_reason"]
    assert_error(acme.call("PATCH", f"/v1/triggers/{only['id']}", {"active": True}), 422)
    status, fixed = acme.call("PATCH", f"/v1/triggers/{only['id']}", {"active": True, "integration_ids": [ops["id"]]})
    assert status == 200 and fixed["active"] is True and fixed["disabled_reason"] is None
