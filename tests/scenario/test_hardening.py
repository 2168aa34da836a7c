"""Issue 22, item 7: the small holes an outsider found, each closed for its whole class (variants, not only the
example): zoned IPv6 sources, non-JSON numbers and coerced types, public pages' HEAD and error pages, redrive
through another integration's path, look-alike admin roles, non-zone time zones, unlimited sign-in and
unsubscribe attempts, and sessions that outlive sign-out."""

from typing import Any

import pytest

from chalicelib.aws import security_repo
from tests.scenario.test_console import Browser, admin, browser  # noqa: F401 - fixtures shared with the console tests
from tests.support.api import OPERATOR, Api, TenantHandle
from tests.support.pipeline import outbox

TIME = "2026-11-25T10:15:00Z"


def attack(event_id: str, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": "attack.detected", "time": TIME,
            "data": {"type": "sqli", "host": "api.acme.io", **data}}


def results(acme: TenantHandle, *events: dict[str, Any]) -> list[dict[str, Any]]:
    status, body = acme.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202, body
    return body["results"]


def stored_attacks(acme: TenantHandle) -> int:
    from datetime import UTC, datetime

    day = (datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 26, tzinfo=UTC))
    return sum(hour.attacks for hour in security_repo.read(acme.id, *day).aggregates)


# --- 1. an IPv6 source with a zone -------------------------------------------------------------------------


@pytest.mark.parametrize("ip", ["fe80::1%eth0", "fe80::1%25eth0", "FE80::1%1", "2001:db8::7%0", " fe80::1%lo ",
                                "fe80::1%", "203.0.113.9%eth0"])
def test_an_ip_with_a_zone_is_rejected_with_its_field_path(acme: TenantHandle, ip: str) -> None:
    [result] = results(acme, attack("zoned", ip=ip))

    assert result["status"] == "rejected"
    assert [detail["path"] for detail in result["error"]["details"]] == ["data.ip"]
    assert stored_attacks(acme) == 0


def test_plain_addresses_are_still_accepted_normalised(acme: TenantHandle) -> None:
    accepted = results(acme, attack("v6", ip="FE80::1"), attack("v4", ip="203.0.113.9"))

    assert [result["status"] for result in accepted] == ["accepted", "accepted"]
    assert stored_attacks(acme) == 2


@pytest.mark.parametrize("value", ["fe80::1%eth0", "fe80::%1/64"])
def test_a_trigger_filter_on_a_zoned_address_is_refused(acme: TenantHandle, value: str) -> None:
    soc = acme.integration()["id"]
    trigger = {"name": "zoned", "integration_ids": [soc],
               "condition": {"type": "threshold", "metric": "attacks", "interval": "hour", "threshold": 3,
                             "filters": {"ip": [value]}}}

    status, body = acme.call("POST", "/v1/triggers", trigger)

    assert status == 422 and body["error"]["details"][0]["path"].startswith("condition.threshold.filters.ip")
    assert acme.call("GET", "/v1/triggers")[1]["items"] == []


# --- 2. strict JSON and strict types ------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
def test_numbers_json_has_not_are_refused_in_every_body(api: Api, acme: TenantHandle, number: str) -> None:
    event = f'{{"events": [{{"id": "n1", "type": "attack.detected", "time": "{TIME}", ' \
            f'"data": {{"type": "sqli", "host": "h", "score": {number}}}}}]}}'
    tenant = f'{{"name": "Nan", "primary_email": "n@nan.io", "sla": {number}}}'
    trigger = f'{{"name": "t", "threshold": {number}}}'

    answers = [api.call("POST", "/v1/events", acme.token, event), api.call("POST", "/v1/tenants", None, tenant,
                                                                            OPERATOR),
               api.call("POST", "/v1/triggers", acme.token, trigger)]

    for status, body, _ in answers:
        assert status == 400 and body["error"]["message"].startswith("the body is not valid JSON"), body
    assert stored_attacks(acme) == 0


@pytest.mark.parametrize("hits", [True, False, 1.0, 5.0, "5", "1", [1], None])
def test_hits_must_be_a_json_integer(acme: TenantHandle, hits: Any) -> None:
    [result] = results(acme, attack("h1", hits=hits))

    assert result["status"] == "rejected" and result["error"]["details"][0]["path"] == "data.hits"
    assert stored_attacks(acme) == 0


@pytest.mark.parametrize("blocked", ["true", 1, 0, "yes"])
def test_blocked_must_be_a_json_boolean(acme: TenantHandle, blocked: Any) -> None:
    [result] = results(acme, attack("b1", blocked=blocked))

    assert result["status"] == "rejected" and result["error"]["details"][0]["path"] == "data.blocked"


@pytest.mark.parametrize("threshold", [True, 3.0, "3"])
def test_a_threshold_must_be_a_json_integer(acme: TenantHandle, threshold: Any) -> None:
    soc = acme.integration()["id"]
    native = {"name": "many", "integration_ids": [soc],
              "condition": {"type": "threshold", "metric": "hits", "interval": "hour", "threshold": threshold}}
    terraform = {"template_id": "attacks_exceeded", "actions": [{"type": "send_notification",
                                                                 "integration_id": [soc]}],
                 "threshold": {"period": 3600, "operator": "gt", "count": threshold}}
    period = {**terraform, "threshold": {"period": 3600.0 if threshold != "3" else "3600", "count": 3}}

    for body, path in ((native, "condition.threshold.threshold"), (terraform, "threshold.count"),
                       (period, "threshold.period")):
        status, answer = acme.call("POST", "/v1/triggers", body)
        assert status == 422 and answer["error"]["details"][0]["path"] == path, answer
    assert acme.call("GET", "/v1/triggers")[1]["items"] == []


@pytest.mark.parametrize("flag", ["true", 1, "false"])
def test_trigger_flags_must_be_json_booleans(acme: TenantHandle, flag: Any) -> None:
    soc = acme.integration()["id"]
    body = {"name": "flagged", "integration_ids": [soc], "active": flag, "condition": {"type": "user_added"}}

    status, answer = acme.call("POST", "/v1/triggers", body)

    assert status == 422 and answer["error"]["details"][0]["path"] == "active"


@pytest.mark.parametrize("days", [True, 7.0, "7"])
def test_sla_days_must_be_json_integers(acme: TenantHandle, days: Any) -> None:
    status, body = acme.call("PATCH", "/v1/tenant", {"sla_days": {"high": days}})

    assert status == 422 and body["error"]["details"][0]["path"] == "sla_days.high"
    assert acme.call("GET", "/v1/tenant")[1]["sla_days"]["high"] == 7


# --- 4. redrive through the path of another integration ---------------------------------------------------

VULN = {"id": "v-1", "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
        "data": {"risk": "high", "title": "SQLi in /login", "host": "api.acme.io"}}


def skipped_delivery(acme: TenantHandle, pipeline: Any, integration_id: str) -> str:
    """A delivery of ``integration_id`` that ended ``skipped`` (its integration was disabled), enabled again."""
    acme.call("POST", f"/v1/integrations/{integration_id}/disable")
    assert acme.call("POST", "/v1/events", {"events": [VULN]})[0] == 202
    pipeline.drain()
    acme.call("POST", f"/v1/integrations/{integration_id}/enable")
    [delivery] = acme.call("GET", f"/v1/integrations/{integration_id}/deliveries")[1]["items"]
    assert delivery["status"] == "skipped"
    return delivery["id"]


def test_a_console_redrive_finds_only_the_deliveries_of_the_integration_in_its_path(
        admin: Browser, acme: TenantHandle, globex: TenantHandle, pipeline: Any) -> None:  # noqa: F811
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])["id"]
    other = acme.integration(name="Other", emails="other@acme.io", events=["system"])["id"]
    delivery = skipped_delivery(acme, pipeline, soc)
    page = admin.get(f"/console/integrations/{soc}/deliveries")
    foreign = globex.integration(name="Theirs")["id"]

    for wrong in (other, foreign, "no-such-integration"):
        refused = admin.post(f"/console/integrations/{wrong}/deliveries/{delivery}/redrive", {"csrf": page.csrf})
        assert refused.status == 404 and "text/html" in refused.headers["Content-Type"]
    pipeline.drain()
    [row] = acme.call("GET", f"/v1/integrations/{soc}/deliveries")[1]["items"]
    assert row["status"] == "skipped" and not [mail for mail in outbox() if mail.to == ["soc@acme.io"]]

    assert admin.post(f"/console/integrations/{soc}/deliveries/{delivery}/redrive", {"csrf": page.csrf}).status == 303
    pipeline.drain()
    assert [mail.subject for mail in outbox() if mail.to == ["soc@acme.io"]] and \
        acme.call("GET", f"/v1/integrations/{soc}/deliveries")[1]["items"][0]["status"] == "sent"


# --- 6. time zones that are no place's zone ------------------------------------------------------------------

NOT_ZONES = ["localtime", "Factory", "posixrules", "posix/Europe/Berlin", "right/UTC", "EST5EDT", "US/Eastern",
             "GB", "Europe", "Etc", "../etc/localtime"]


@pytest.mark.parametrize("zone", NOT_ZONES)
def test_a_tenant_cannot_take_a_time_zone_that_is_no_area_zone(api: Api, acme: TenantHandle, zone: str) -> None:
    created = api.call("POST", "/v1/tenants", None, {"name": "Zoned", "primary_email": "z@zoned.io",
                                                     "timezone": zone}, OPERATOR)
    patched = acme.call("PATCH", "/v1/tenant", {"timezone": zone})

    for status, body in (created[:2], patched):
        assert status == 422 and [d["path"] for d in body["error"]["details"]] == ["timezone"]
    assert acme.call("GET", "/v1/tenant")[1]["timezone"] == "UTC"


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT-14",
                                  "Asia/Kolkata"])
def test_area_zones_and_utc_are_taken(acme: TenantHandle, zone: str) -> None:
    status, body = acme.call("PATCH", "/v1/tenant", {"timezone": zone})

    assert status == 200 and body["timezone"] == zone


# --- 5. "[Admin access]" decided on the role as a person reads it ---------------------------------------------


def role_mails(acme: TenantHandle, pipeline: Any, *changes: tuple[str, str, str]) -> dict[str, str]:
    """The subject of the system mail about each (event id, role, previous role)."""
    acme.integration(name="SOC", emails="soc@acme.io", events=["system"])
    events = [{"id": event_id, "type": "user.role_changed", "time": TIME,
               "data": {"email": f"{event_id}@acme.io", "role": role, "previous_role": previous}}
              for event_id, role, previous in changes]
    assert [r["status"] for r in results(acme, *events)] == ["accepted"] * len(events)
    pipeline.drain()
    return {event_id: next(mail.subject for mail in outbox()
                           if mail.to == ["soc@acme.io"] and f"{event_id}@acme.io" in mail.subject)
            for event_id, _, _ in changes}


def test_a_look_alike_admin_role_is_flagged_like_admin(acme: TenantHandle, pipeline: Any) -> None:
    roles = ["admin", "admin\u200b", "ＡＤＭＩＮ", "Admin ", "ad\u00admin", "\u2066Administrator\u2069"]
    changes = [(f"u{index}", role, "viewer") for index, role in enumerate(roles)]

    subjects = role_mails(acme, pipeline, *changes, ("same", "admin", "ＡＤＭＩＮ\u200b"), ("down", "viewer", "admin"))

    assert all(subjects[f"u{index}"].startswith("[Admin access] ") for index in range(len(roles))), subjects
    assert not subjects["same"].startswith("[Admin access]") and not subjects["down"].startswith("[Admin access]")
