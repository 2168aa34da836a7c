"""The web console through chalice's test client: sign-in cookie, CSRF, viewer read-only, field errors,
escaping, tenant isolation, Test integration, delete confirmation, the delivery log and redrive, reports."""

import re
from typing import Any

import pytest

from chalicelib.console import web
from chalicelib.settings import get_settings
from tests.support.api import Api, TenantHandle
from tests.support.console import Browser, form_fields, integration_id


@pytest.mark.parametrize("secure", [True, False])
def test_sign_in_keeps_the_token_in_an_http_only_same_site_strict_secure_cookie(
        browser: Browser, acme: TenantHandle, monkeypatch: pytest.MonkeyPatch, secure: bool) -> None:
    # GIVEN CONSOLE_SECURE_COOKIE as every deployed stage has it (on) or as the plain-http local stack has it (off);
    # set on the settings the console reads, since the test client's "local" stage would otherwise decide it
    settings = get_settings().model_copy(update={"console_secure_cookie": secure})
    monkeypatch.setattr(web, "get_settings", lambda: settings)

    # WHEN the admin token is posted to the sign-in page
    signed_in = browser.sign_in(acme.token)

    # THEN the session cookie is set with every safety attribute and the Integrations page follows
    assert signed_in.status == 303 and signed_in.headers["Location"] == "/console/integrations"
    cookie = signed_in.headers["Set-Cookie"]
    assert cookie.startswith("er_session=") and acme.token not in cookie  # a session id, never the API token
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/console"):
        assert attribute in cookie
    assert ("; Secure" in cookie) is secure
    page = browser.get("/console/integrations")
    assert page.status == 200 and "Primary email" in page.body and "sec@acme.io" in page.body
    assert "Content-Security-Policy" in page.headers and page.headers["Cache-Control"] == "no-store"


def test_sign_in_refuses_a_wrong_token_and_a_form_without_its_nonce(browser: Browser, acme: TenantHandle) -> None:
    wrong = browser.sign_in("ert_0123456789abcdef_nope")
    assert wrong.status == 401 and "not valid or was revoked" in wrong.body and "er_session" not in browser.cookies

    browser.cookies.clear()
    forged = browser.post("/console/sign-in", {"csrf": "made-up", "token": acme.token})
    assert forged.status == 403 and "er_session" not in browser.cookies


def test_pages_need_a_session_and_sign_out_ends_it(browser: Browser, acme: TenantHandle) -> None:
    assert browser.get("/console/integrations").headers["Location"] == "/console/sign-in"

    browser.sign_in(acme.token)
    page = browser.get("/console/integrations")
    out = browser.post("/console/sign-out", {"csrf": page.csrf})

    assert out.status == 303 and "er_session" not in browser.cookies
    assert browser.get("/console/integrations").status == 303


def test_an_ingest_token_cannot_sign_in(browser: Browser, acme: TenantHandle) -> None:
    page = browser.sign_in(acme.token_for("ingest"))
    assert page.status == 403 and "can only send events" in page.body


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(admin: Browser, acme: TenantHandle) -> None:
    primary = integration_id(acme, "Primary email")

    missing = admin.post(f"/console/integrations/{primary}/disable", {})
    forged = admin.post(f"/console/integrations/{primary}/disable", {"csrf": "0" * 64})

    assert missing.status == forged.status == 403
    assert acme.call("GET", f"/v1/integrations/{primary}")[1]["active"] is True


def test_another_sessions_csrf_token_does_not_work(api: Api, admin: Browser, acme: TenantHandle) -> None:
    other = Browser(api.client)
    other.sign_in(acme.token_for("admin"))
    their_csrf = other.get("/console/integrations").csrf
    primary = integration_id(acme, "Primary email")

    assert admin.post(f"/console/integrations/{primary}/disable", {"csrf": their_csrf}).status == 403


def test_a_viewer_sees_everything_read_only_and_the_server_refuses_changes(browser: Browser,
                                                                         acme: TenantHandle) -> None:
    primary = integration_id(acme, "Primary email")
    browser.sign_in(acme.token_for("viewer"))

    listing = browser.get("/console/integrations")
    assert listing.status == 200 and "Primary email" in listing.body
    for button in ("Add integration", "Disable", "Delete", ">Edit", "Test<"):
        assert button not in listing.body
    detail = browser.get(f"/console/integrations/{primary}")
    assert detail.status == 200 and "<fieldset class=\"form-section\" disabled" in detail.body
    assert "Save changes" not in detail.body and "Test integration</button>" not in detail.body

    csrf = listing.csrf  # the sign-out form's: a viewer has a valid token, still not the right
    assert browser.post(f"/console/integrations/{primary}/disable", {"csrf": csrf}).status == 403
    assert browser.post(f"/console/integrations/{primary}/delete", {"csrf": csrf}).status == 403
    assert browser.post("/console/integrations", {"csrf": csrf, "name": "X", "emails": "x@acme.io",
                                                  "events": "system"}).status == 403
    assert browser.get("/console/integrations/new").status == 403
    assert acme.call("GET", f"/v1/integrations/{primary}")[1]["active"] is True
    assert len(acme.call("GET", "/v1/integrations")[1]["items"]) == 1


def test_the_add_form_shows_each_error_next_to_its_field_and_keeps_what_was_typed(admin: Browser,
                                                                                  acme: TenantHandle) -> None:
    csrf = admin.get("/console/integrations/new").csrf

    page = admin.post("/console/integrations",
                      form_fields(csrf, name="  ", emails="ok@acme.io, not-an-address, also@bad@acme.io",
                                  events=[], frequency="none"))

    assert page.status == 422
    errors = dict(re.findall(r'<p class="field-error" id="(\w+)-error">([^<]*)</p>', page.body))
    assert errors["name"] == "Enter a name."
    assert "&#39;not-an-address&#39; is not a valid email address" in errors["emails"]
    assert "&#39;also@bad@acme.io&#39; is not a valid email address" in errors["emails"]  # each one named
    assert errors["events"] == "Choose at least one event type"
    assert 'aria-invalid="true" aria-describedby="emails-error emails-help"' in page.body
    assert "ok@acme.io, not-an-address, also@bad@acme.io</textarea>" in page.body
    assert len(acme.call("GET", "/v1/integrations")[1]["items"]) == 1


def test_adding_through_the_form_creates_what_the_seed_describes(admin: Browser, acme: TenantHandle) -> None:
    csrf = admin.get("/console/integrations/new").csrf

    added = admin.post("/console/integrations",
                       form_fields(csrf, emails="SOC@acme.io, lead@acme.io, soc@ACME.io",
                                   events=["system", "vuln_high", "scope"]))

    assert added.status == 303 and added.headers["Location"] == "/console/integrations?notice=created"
    created = acme.call("GET", f"/v1/integrations/{integration_id(acme, 'SOC')}")[1]
    assert created["emails"] == ["SOC@acme.io", "lead@acme.io"]
    assert created["events"] == ["report_weekly", "system", "vuln_high", "scope"]
    listing = admin.get(added.headers["Location"])
    assert "Integration added." in listing.body and "Weekly PDF report" in listing.body
    assert "Vulnerabilities: High" in listing.body


def test_a_taken_name_is_reported_next_to_the_name(admin: Browser, acme: TenantHandle) -> None:
    csrf = admin.get("/console/integrations/new").csrf

    page = admin.post("/console/integrations", form_fields(csrf, name="Primary email"))

    assert page.status == 409
    assert re.search(r'id="name-error">An integration named &#39;Primary email&#39; already exists', page.body)


def test_editing_saves_the_form_and_keeps_the_id(admin: Browser, acme: TenantHandle) -> None:
    primary = integration_id(acme, "Primary email")
    page = admin.get(f"/console/integrations/{primary}")
    assert 'value="report_weekly" checked' in page.body and 'value="vuln_low" checked' in page.body

    saved = admin.post(f"/console/integrations/{primary}",
                       form_fields(page.csrf, name="Security team", frequency="none", events=["vuln_high"]))

    assert saved.status == 303
    changed = acme.call("GET", f"/v1/integrations/{primary}")[1]
    assert (changed["name"], changed["events"]) == ("Security team", ["vuln_high"])


def test_output_is_escaped_everywhere(admin: Browser, acme: TenantHandle) -> None:
    evil = '<script>alert("x")</script>'
    acme.integration(name=evil, emails="a@acme.io")
    created = integration_id(acme, evil)

    for path in ("/console/integrations", f"/console/integrations/{created}",
                 f"/console/integrations/{created}/delete", f"/console/integrations/{created}/deliveries"):
        body = admin.get(path).body
        assert "<script>" not in body, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body, path


def test_another_tenants_integration_is_not_found(admin: Browser, globex: TenantHandle) -> None:
    theirs = globex.integration(name="Globex SOC", emails="soc@globex.example")["id"]
    csrf = admin.get("/console/integrations").csrf

    for path in (f"/console/integrations/{theirs}", f"/console/integrations/{theirs}/deliveries",
                 f"/console/integrations/{theirs}/delete"):
        page = admin.get(path)
        assert page.status == 404 and "Globex SOC" not in page.body, path
    for action in ("disable", "enable", "delete", "test"):
        assert admin.post(f"/console/integrations/{theirs}/{action}", {"csrf": csrf}).status == 404, action
    assert "Globex SOC" not in admin.get("/console/integrations").body
    assert globex.call("GET", f"/v1/integrations/{theirs}")[1]["active"] is True


def test_test_integration_shows_each_step_and_the_test_mails(admin: Browser, acme: TenantHandle) -> None:
    from local.outbox import messages

    csrf = admin.get("/console/integrations/new").csrf
    page = admin.post("/console/integrations",
                      form_fields(csrf, action="test", frequency="none", events=["system", "vuln_high"]))

    assert page.status == 200 and "Test passed" in page.body
    for label in ("Configuration is valid", "Mail can go out", "Sender address verified",
                  "System related sample", "High risk vulnerability sample"):
        assert label in page.body
    assert "[Test message]" in page.body
    assert 'value="SOC"' in page.body  # the draft is still in the form, and nothing was saved
    assert len(acme.call("GET", "/v1/integrations")[1]["items"]) == 1
    assert sum(m.subject.startswith("[Test message]") for m in messages()) == 4  # 2 kinds × 2 addresses


def test_console_tests_count_against_the_tenants_limit_with_the_api(admin: Browser, acme: TenantHandle) -> None:
    # GIVEN ten tests through the API, five of each of two integrations
    for name in ("SOC", "Ops"):
        tested = acme.integration(name=name, emails="soc@acme.io", events=["system"])
        assert [acme.call("POST", f"/v1/integrations/{tested['id']}/test")[0] for _ in range(5)] == [200] * 5
    other = acme.integration(name="Other", emails="other@acme.io", events=["system"])
    csrf = admin.get("/console/integrations").csrf
    # WHEN the console tests another integration, or a draft THEN both are refused with the tenant's limit
    for page in (admin.post(f"/console/integrations/{other['id']}/test", {"csrf": csrf}),
                 admin.post("/console/integrations", form_fields(csrf, action="test", frequency="none"))):
        assert page.status == 429 and "at most 10 tests per tenant per 10 minutes" in page.body


def test_the_add_form_names_the_cap_on_integrations(admin: Browser, acme: TenantHandle,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.aws import integrations_repo
    from chalicelib.settings import get_settings

    monkeypatch.setattr(integrations_repo, "get_settings", lambda: get_settings().model_copy(
        update={"max_integrations_per_tenant": 1}))
    csrf = admin.get("/console/integrations/new").csrf
    page = admin.post("/console/integrations", form_fields(csrf))
    assert page.status == 409 and "a tenant can have at most 1 integrations; delete one first" in page.body.lower()
    assert len(acme.call("GET", "/v1/integrations")[1]["items"]) == 1


def test_disable_enable_and_delete_with_a_confirmation(admin: Browser, acme: TenantHandle) -> None:
    created = acme.integration(name="SOC", emails="soc@acme.io")["id"]
    csrf = admin.get("/console/integrations").csrf

    assert admin.post(f"/console/integrations/{created}/disable", {"csrf": csrf}).status == 303
    listing = admin.get("/console/integrations?notice=disabled")
    assert "Its settings are kept" in listing.body and "Disabled by a user" in listing.body
    assert acme.call("GET", f"/v1/integrations/{created}")[1]["disabled_reason"] == "manual"

    assert admin.post(f"/console/integrations/{created}/enable", {"csrf": csrf}).status == 303
    assert acme.call("GET", f"/v1/integrations/{created}")[1]["active"] is True

    confirm = admin.get(f"/console/integrations/{created}/delete")
    assert "removes everything" in confirm.body and "Delete integration" in confirm.body
    assert acme.call("GET", f"/v1/integrations/{created}")[0] == 200  # asking is not deleting
    assert admin.post(f"/console/integrations/{created}/delete", {"csrf": confirm.csrf}).status == 303
    assert acme.call("GET", f"/v1/integrations/{created}")[0] == 404


def test_auto_disabled_integrations_show_the_reason_and_figures(admin: Browser, acme: TenantHandle) -> None:
    from chalicelib.integrations import service
    from chalicelib.wiring import stores

    created = acme.integration(name="Flaky", emails="soc@acme.io")["id"]
    reason = "auto-disabled: 75% of send requests failed in the last 12 hours (15 of 20)"
    service.disable(stores(), acme.id, created, reason)

    body = admin.get("/console/integrations").body

    assert "Auto-disabled" in body and "75% of send requests failed in the last 12 hours (15 of 20)" in body


def test_the_delivery_log_shows_a_dead_letter_that_an_admin_can_redrive(admin: Browser, acme: TenantHandle,
                                                                        pipeline: Any, flaky_ses: Any) -> None:
    created = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])["id"]
    flaky_ses.fail_next(100, "MessageRejected", "Email address is not verified.")
    event = {"id": "e-1", "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
             "data": {"risk": "high", "title": "SQLi in /login"}}
    assert acme.call("POST", "/v1/events", {"events": [event]})[0] == 202
    pipeline.drain()

    log = admin.get(f"/console/integrations/{created}/deliveries")
    assert "Dead letter" in log.body and "MessageRejected: Email address is not verified." in log.body
    assert "17 tries" in log.body
    assert "Dead letter" in admin.get("/console/integrations").body  # the last delivery outcome
    redrive = re.search(r'action="(/console/integrations/[^"]+/redrive)"', log.body)
    assert redrive

    flaky_ses.failures.clear()
    assert admin.post(redrive.group(1), {"csrf": log.csrf}).status == 303
    pipeline.drain()
    after = admin.get(f"/console/integrations/{created}/deliveries?status=sent")
    assert "SQLi in /login" in after.body and "Redrive" not in after.body


def test_reports_are_listed_previewed_and_downloaded(admin: Browser, acme: TenantHandle) -> None:
    page = admin.get("/console/reports")
    assert page.status == 200 and "No reports yet" in page.body

    preview = admin.post("/console/reports/preview", {"csrf": page.csrf, "frequency": "weekly", "period_end": ""})
    assert preview.status == 200 and "Download PDF" in preview.body
    assert "is empty: no attacks, incidents or vulnerabilities were recorded." in preview.body
    assert "is ready" not in preview.body and "has not ended" not in preview.body
    running = admin.post("/console/reports/preview", {"csrf": page.csrf, "frequency": "weekly",
                                                      "period_end": "2026-11-29"})
    assert "recorded so far." in running.body and "The period has not ended yet" in running.body

    wrong = admin.post("/console/reports/preview", {"csrf": page.csrf, "frequency": "daily", "period_end": "soon"})
    assert wrong.status == 422 and 'id="period-end-error">Enter a date as YYYY-MM-DD.' in wrong.body


def test_the_reports_page_says_when_each_integrations_next_report_goes_out(admin: Browser,
                                                                           acme: TenantHandle) -> None:
    # GIVEN a Tokyo tenant: its primary integration takes the weekly report, a CISO integration daily and monthly,
    # and a disabled one monthly (Wednesday 25 November 2026, 19:00 in Tokyo)
    assert acme.call("PATCH", "/v1/tenant", {"timezone": "Asia/Tokyo"})[0] == 200
    acme.integration(name="CISO", emails="ciso@acme.io", events=["report_daily", "report_monthly"])
    paused = acme.integration(name="Paused", emails="paused@acme.io", events=["report_monthly"])
    assert acme.call("POST", f"/v1/integrations/{paused['id']}/disable")[0] == 200

    page = admin.get("/console/reports")

    # THEN it lists each active integration's next report per frequency, soonest first, in Tokyo's time
    body = " ".join(page.body.split())
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr>")[1:4]]
    assert rows == ["Integration Report Goes out",
                    "CISO Daily Thursday 26 November 2026, 00:00 JST (within the hour after)",
                    "Primary email Weekly Monday 30 November 2026, 00:00 JST (within the hour after)"], rows
    text = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    assert "CISO Monthly Tuesday 1 December 2026, 00:00 JST (within the hour after)" in text
    assert "Paused" not in text


def test_unknown_paths_and_bad_ids_are_not_found(admin: Browser) -> None:
    assert admin.get("/console/integrations/no-such-id").status == 404
    assert admin.get("/console/reports/nothing/download").status == 404


def test_every_report_frequency_is_shown_and_kept_by_a_save(admin: Browser, acme: TenantHandle) -> None:
    # GIVEN daily and monthly reports set through the API
    created = acme.integration(name="CISO", emails="ciso@acme.io", events=["report_daily", "report_monthly", "scope"],
                               notifications="daily")
    page = admin.get(f"/console/integrations/{created['id']}")
    assert 'value="report_daily" checked' in page.body and 'value="report_monthly" checked' in page.body
    assert 'value="report_weekly">' in page.body and "saving here keeps only" not in page.body

    # WHEN the address is edited (the browser posts the boxes as they are)
    saved = admin.post(f"/console/integrations/{created['id']}",
                       [("csrf", page.csrf), ("action", "save"), ("name", "CISO"), ("emails", "new@acme.io"),
                        ("events", "report_daily"), ("events", "report_monthly"), ("events", "scope"),
                        ("notifications", "daily")])

    # THEN nothing but the address changed
    assert saved.status == 303
    after = acme.call("GET", f"/v1/integrations/{created['id']}")[1]
    assert after["emails"] == ["new@acme.io"]
    assert {key: after[key] for key in ("name", "events", "notifications")} == {
        "name": "CISO", "events": ["report_daily", "report_monthly", "scope"], "notifications": "daily"}


@pytest.mark.parametrize("flow", ["create", "save"])
def test_every_form_flow_shows_refusals_beside_their_field_and_changes_nothing(flow: str, admin: Browser,
                                                                               acme: TenantHandle) -> None:
    # GIVEN the add form, or the edit form of a second integration "SOC"
    csrf = admin.get("/console/integrations/new").csrf
    path = "/console/integrations"
    if flow == "save":
        assert admin.post(path, form_fields(csrf)).status == 303
        path = f"/console/integrations/{integration_id(acme, 'SOC')}"
        csrf = admin.get(path).csrf
    before = acme.call("GET", "/v1/integrations")[1]["items"]
    # WHEN the form is sent with an address the model refuses, then with the name another integration has
    invalid = admin.post(path, form_fields(csrf, name="SOC", emails="soc@acme.io, nope"))
    taken = admin.post(path, form_fields(csrf, name="Primary email"))
    # THEN each is the form again, the service's words beside the field, what was typed kept, nothing written
    assert invalid.status == 422 and "&#39;nope&#39; is not a valid email address" in invalid.body
    assert "soc@acme.io, nope</textarea>" in invalid.body
    assert taken.status == 409
    assert re.search(r'id="name-error">An integration named &#39;Primary email&#39; already exists', taken.body)
    assert 'value="Primary email"' in taken.body
    assert acme.call("GET", "/v1/integrations")[1]["items"] == before
