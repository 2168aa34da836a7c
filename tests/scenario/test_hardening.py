"""Issue 22, item 7: the small holes an outsider found, each closed for its whole class (variants, not only the
example): zoned IPv6 sources, non-JSON numbers and coerced types, public pages' HEAD and error pages, redrive
through another integration's path, look-alike admin roles, non-zone time zones, unlimited sign-in and
unsubscribe attempts, and sessions that outlive sign-out."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from chalice.local import LambdaEventConverter

from chalicelib.aws import integrations_repo, reports_repo, security_repo
from chalicelib.email import list_headers
from chalicelib.integrations import unsubscribe as unsubscribe_module
from chalicelib.models.reports import Report
from chalicelib.reports import links
from chalicelib.settings import get_settings
from tests.support.api import OPERATOR, Api, TenantHandle
from tests.support.checks import scan
from tests.support.console import Browser, Page
from tests.support.pipeline import outbox

TIME = "2026-11-25T10:15:00Z"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


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

    answers = [api.call("POST", "/v1/events", event, token=acme.token),
               api.call("POST", "/v1/tenants", tenant, headers=OPERATOR),
               api.call("POST", "/v1/triggers", trigger, token=acme.token)]

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
        admin: Browser, acme: TenantHandle, globex: TenantHandle, pipeline: Any) -> None:
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
    created = api.call("POST", "/v1/tenants", {"name": "Zoned", "primary_email": "z@zoned.io", "timezone": zone},
                       headers=OPERATOR)
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


# --- 3. public pages: HEAD is GET without a body; errors are pages ------------------------------------------


def link_for(acme: TenantHandle, integration_id: str, address: str) -> str:
    """The path of ``address``'s one-click link on that integration, as its mails carry it."""
    key = integrations_repo.get(acme.id, integration_id).unsubscribe_key
    assert key
    return "/console/unsubscribe/" + list_headers.token(acme.id, integration_id, address, key)


def unsubscribe_path(acme: TenantHandle) -> tuple[str, str]:
    """The link of a@acme.io on a new integration (that also sends to keep@acme.io), and the integration's id."""
    created = acme.integration(name="Links", emails="a@acme.io, keep@acme.io")["id"]
    return link_for(acme, created, "a@acme.io"), created


def report_link_path(acme: TenantHandle) -> str:
    status, preview = acme.call("POST", "/v1/reports/preview", {"frequency": "daily", "period_end": "2026-11-24"})
    assert status == 200, preview
    report = Report.model_validate({**preview, "tenant_id": acme.id, "object_key": "reports/emailed.pdf"})
    assert reports_repo.create(report)  # a preview is not stored: store it as the scheduler stores its reports
    return urlparse(links.email_link(report)[0]).path


def assert_page(response: Any, status: int) -> str:
    """An HTML page (with the console's security headers), never the API's JSON; its text."""
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Security-Policy" in response.headers
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert text.startswith("<!doctype html>") and '"error":' not in text
    return text


def assert_head_is_get(api: Api, path: str) -> None:
    def same_for_both(headers: dict[str, str]) -> dict[str, str]:
        """A new nonce cookie and a freshly presigned S3 link (signed at the real time) differ between two calls."""
        kept = {key: value for key, value in headers.items() if key.lower() not in ("set-cookie", "content-length")}
        return {**kept, **({"Location": kept["Location"].partition("?")[0]} if "Location" in kept else {})}

    got, head = api.client.http.get(path), api.client.http.head(path)
    assert head.status_code == got.status_code and not head.body
    assert same_for_both(head.headers) == same_for_both(got.headers)


def test_head_on_a_public_page_answers_as_get_without_a_body_and_changes_nothing(
        api: Api, acme: TenantHandle, frozen_clock: Any) -> None:
    unsubscribe, created = unsubscribe_path(acme)
    report = report_link_path(acme)

    for path in (unsubscribe, report, "/console/sign-in", "/console/unsubscribe/not-a-token",
                 "/console/report-links/nothing.here"):
        assert_head_is_get(api, path)
    assert api.client.http.head(report).headers["Location"].startswith("http")
    assert acme.call("GET", f"/v1/integrations/{created}")[1]["emails"] == ["a@acme.io", "keep@acme.io"]

    frozen_clock.moment += timedelta(days=61)  # both links expired: 410 pages, HEAD alike
    for path in (unsubscribe, report):
        assert_head_is_get(api, path)
        assert_page(api.client.http.get(path), 410)


def test_public_pages_answer_every_error_as_an_html_page(api: Api, acme: TenantHandle,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    unsubscribe, _ = unsubscribe_path(acme)
    http = api.client.http

    assert "not valid" in assert_page(http.get("/console/unsubscribe/forged"), 404)
    assert "not valid" in assert_page(http.get("/console/report-links/nothing.here"), 404)
    assert_page(http.put(unsubscribe, body=""), 405)
    assert_page(http.post(unsubscribe, headers={"Content-Type": "image/png"}, body=b"\x89PNG"), 415)
    assert_page(http.delete("/console/report-links/nothing.here"), 405)

    def broken(*_: Any) -> None:
        raise RuntimeError("the table is gone")

    monkeypatch.setattr(links, "follow", broken)
    monkeypatch.setattr(unsubscribe_module, "follow", broken)
    for response in (http.get(report_link_path(acme)), http.get(unsubscribe), http.head(unsubscribe),
                     http.post(unsubscribe, headers=FORM, body="List-Unsubscribe=One-Click")):
        assert response.status_code == 500 and response.headers["Content-Type"].startswith("text/html")
        assert "the table is gone" not in (response.body or b"").decode()
    assert "went wrong on our side" in assert_page(http.get(unsubscribe), 500)


# --- 7. public doors are rate-limited per client address and per token ----------------------------------------


def from_address(monkeypatch: pytest.MonkeyPatch, ip: str) -> None:
    """Later requests come from ``ip`` (API Gateway's ``requestContext.identity.sourceIp``)."""
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)


def assert_limited(page: Any) -> None:
    assert page.status == 429 and 0 < int(page.headers["Retry-After"]) <= get_settings().door_rate_window_seconds
    assert page.headers["Content-Type"] == "text/html; charset=utf-8" and "try again in" in page.body


def test_failed_sign_ins_are_limited_per_token(browser: Browser, acme: TenantHandle, frozen_clock: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(get_settings().sign_in_rate_limit + 1):  # a team sharing a token: successes are not counted
        assert browser.sign_in(acme.token).status == 303
    browser.cookies.clear()
    wrong = acme.token[:-4] + "nope"  # the same token id, a wrong secret
    for attempt in range(get_settings().sign_in_rate_limit):
        from_address(monkeypatch, f"198.51.100.{attempt}")  # spread over addresses: the token's own limit holds
        assert browser.sign_in(wrong).status == 401

    refused = browser.sign_in(acme.token)  # even the right secret, until the window rolls on

    assert_limited(refused)
    assert "er_session" not in browser.cookies
    assert browser.sign_in(acme.token_for("viewer")).status == 303  # another token is not held up
    frozen_clock.moment += timedelta(seconds=get_settings().door_rate_window_seconds)
    assert browser.sign_in(acme.token).status == 303


def test_failed_sign_ins_are_limited_per_client_address(api: Api, acme: TenantHandle,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    guesser, other = Browser(api.client), Browser(api.client)
    from_address(monkeypatch, "203.0.113.66")
    for attempt in range(get_settings().sign_in_client_rate_limit):
        assert guesser.sign_in(f"ert_{attempt:016x}_guess").status == 401

    assert_limited(guesser.sign_in(acme.token))
    from_address(monkeypatch, "203.0.113.67")
    assert other.sign_in(acme.token).status == 303


def test_one_click_unsubscribe_is_limited_per_link_and_per_client_address(
        api: Api, acme: TenantHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    link, created = unsubscribe_path(acme)
    http, settings = api.client.http, get_settings()

    def post(path: str) -> Page:
        response = http.post(path, headers=FORM, body="List-Unsubscribe=One-Click")
        return Page(response.status_code, response.body.decode(), dict(response.headers))

    for attempt in range(settings.unsubscribe_rate_limit):
        from_address(monkeypatch, f"192.0.2.{attempt}")
        assert post(link).status == 200
    assert_limited(post(link))
    assert http.get(link).status_code == 200  # looking is not acting: GET is not counted

    from_address(monkeypatch, "192.0.2.200")
    for attempt in range(settings.unsubscribe_client_rate_limit):
        assert post(f"/console/unsubscribe/forged-{attempt}").status == 404
    fresh = link_for(acme, created, "keep@acme.io")
    assert_limited(post(fresh))
    assert acme.call("GET", f"/v1/integrations/{created}")[1]["emails"] == ["keep@acme.io"]
    from_address(monkeypatch, "192.0.2.201")
    assert post(fresh).status == 200


# --- 8. sign-out revokes the session -----------------------------------------------------------------------


def copy_of(api: Api, original: Browser) -> Browser:
    """Another machine with the cookie copied from ``original``."""
    return Browser(api.client, dict(original.cookies))


def signed_out(page: Page) -> bool:
    return page.status == 303 and page.headers["Location"] == "/console/sign-in"


def test_the_cookie_holds_a_session_id_stored_hashed_never_the_api_token(api: Api, admin: Browser,
                                                                         acme: TenantHandle) -> None:
    session_id = admin.cookies["er_session"]
    sessions = [item for item in scan("tokens_table") if item["id"].startswith("session#")]

    assert acme.token not in session_id and acme.token.split("_", 2)[2] not in session_id
    assert len(sessions) == 1 and session_id not in str(sessions[0]) and "tenant_id" not in sessions[0]
    assert int(sessions[0]["expires_at"]) > 0
    assert api.call("GET", "/v1/tenant", token=session_id)[0] == 401  # a session id is no API token
    assert len(acme.call("GET", "/v1/tokens")[1]["items"]) == 1  # a session is not listed as a token


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(api: Api, admin: Browser,
                                                                acme: TenantHandle) -> None:
    copied = copy_of(api, admin)
    page = copied.get("/console/integrations")
    assert page.status == 200

    assert admin.post("/console/sign-out", {"csrf": page.csrf}).status == 303

    assert signed_out(copied.get("/console/integrations"))
    soc = acme.integration(name="SOC")["id"]
    assert signed_out(copied.post(f"/console/integrations/{soc}/disable", {"csrf": page.csrf}))
    assert acme.call("GET", f"/v1/integrations/{soc}")[1]["active"] is True
    assert not [item for item in scan("tokens_table") if item["id"].startswith("session#")]


def test_revoking_the_token_or_deleting_the_tenant_ends_its_sessions(api: Api, browser: Browser,
                                                                     acme: TenantHandle, globex: TenantHandle) -> None:
    status, created = acme.call("POST", "/v1/tokens", {"name": "ops", "role": "admin"})
    assert status == 201 and browser.sign_in(created["token"]).status == 303
    other = Browser(api.client)
    assert other.sign_in(globex.token).status == 303

    assert acme.call("DELETE", f"/v1/tokens/{created['id']}")[0] == 204
    assert signed_out(browser.get("/console/integrations"))

    assert api.call("DELETE", f"/v1/tenants/{globex.id}", headers=OPERATOR)[0] == 204
    assert signed_out(other.get("/console/integrations"))


def test_a_session_ends_after_its_twelve_hours_and_a_forged_id_is_refused(api: Api, admin: Browser,
                                                                          frozen_clock: Any) -> None:
    forged = Browser(api.client, {"er_session": "A" * 43})
    assert signed_out(forged.get("/console/integrations"))

    frozen_clock.moment += timedelta(hours=12)
    assert signed_out(admin.get("/console/integrations"))
