"""The console while a failure is being fixed: "failing" shown at once, the delivery log in words (event kinds,
recipients, grouped errors, local times, formatted numbers), no dead-end redrive, deleting the primary-email
integration asks twice, and a fixed disabled integration offers Test, then Enable."""

import re
from typing import Any

from chalicelib.aws import counters_repo
from chalicelib.integrations import service
from chalicelib.wiring import stores
from local.pollers import poll_once
from tests.scenario.test_console import admin, browser, integration_id  # noqa: F401 - fixtures shared with the console tests
from tests.scenario.test_no_alert_lost import BAD, VULN, soc_with_a_rejected_address

SES_ERROR = "MessageRejected: Email address is not verified."


def redrive_forms(page: Any, subject: str) -> list[str]:
    """The Redrive buttons of the log's rows about ``subject``."""
    rows = [row for row in page.body.split("<tr")[1:] if subject in row]
    return [action for row in rows for action in re.findall(r'action="(/console/integrations/[^"]+/redrive)"', row)]


def test_the_card_shows_failing_as_soon_as_the_last_send_failed(admin, acme, pipeline, flaky_ses):  # noqa: F811
    # GIVEN SOC, whose bad@ address SES refuses
    soc = soc_with_a_rejected_address(acme, flaky_ses)
    assert '<span class="badge badge-ok">Active</span>' in admin.get("/console/integrations").body
    # WHEN one vulnerability alert's first try fails for bad@
    acme.call("POST", "/v1/events", {"events": [VULN]})
    poll_once("email-report-deliveries", pipeline.worker)
    # THEN the card says failing, names the address and SES's words, and no green "Active" is left
    card = admin.get("/console/integrations").body
    assert "Active · failing" in card and '<span class="badge badge-ok">Active</span>' not in card
    failing = re.search(r'class="callout callout-bad health-detail"><strong>Failing:</strong> ([^<]*)</p>', card)
    assert failing and "Email address is not verified." in failing.group(1) and BAD in failing.group(1)
    assert "1 of 3 send requests failed (33%)" in card
    # AND large figures are formatted
    counters_repo.count_requests(acme.id, soc["id"], pipeline.clock.moment, 1234, 1000)
    assert "1,001 of 1,237 send requests failed (81%)" in admin.get("/console/integrations").body


def test_the_delivery_log_speaks_words_groups_identical_errors_and_shows_recipients(admin, acme, pipeline,  # noqa: F811
                                                                                    flaky_ses):
    # GIVEN a tenant in Berlin and a vulnerability alert dead-lettered for bad@ after 17 tries
    assert acme.call("PATCH", "/v1/tenant", {"timezone": "Europe/Berlin"})[0] == 200
    soc = soc_with_a_rejected_address(acme, flaky_ses)
    acme.call("POST", "/v1/events", {"events": [VULN]})
    pipeline.drain()
    # WHEN the admin opens the delivery log
    page = admin.get(f"/console/integrations/{soc['id']}/deliveries").body
    row = next(r for r in page.split("<tr")[1:] if "SQLi in /login" in r)
    # THEN the event kind is in words, not codes, with the tenant's local time
    assert "Vulnerability detected (high risk) · created 25 Nov 2026, 11:00 CET" in row
    assert "vulnerability.detected" not in page and "vuln_high" not in page
    # AND who received it and who did not
    assert "Received: good@acme.io, other@acme.io" in row and f"Not received: {BAD}" in row
    # AND the 17 identical refusals are one line naming the address, with the last time
    assert "17 tries" in row
    groups = re.findall(r'<li><span class="error-text">([^<]*)</span>\s*<span class="block">([^<]*)</span>', row)
    assert len(groups) == 1
    error, who = groups[0]
    assert error.startswith(SES_ERROR) and who == f"{BAD} · 17 times, last 25 Nov 2026, 11:51 CET"


def test_redrive_is_offered_only_while_enabled_and_for_skipped_rows_too(admin, acme, pipeline, flaky_ses):  # noqa: F811
    # GIVEN a dead letter, and the integration disabled by a user; an event then arrives while it is disabled
    soc = soc_with_a_rejected_address(acme, flaky_ses)
    acme.call("POST", "/v1/events", {"events": [VULN]})
    pipeline.drain()
    acme.call("POST", f"/v1/integrations/{soc['id']}/disable")
    acme.call("POST", "/v1/events", {"events": [{**VULN, "id": "v-2", "data": {**VULN["data"], "title": "XSS"}}]})
    pipeline.drain()
    path = f"/console/integrations/{soc['id']}/deliveries"
    # WHEN the admin opens the log THEN no Redrive button leads to a dead end: it says to enable first
    page = admin.get(path)
    assert redrive_forms(page, "SQLi") == redrive_forms(page, "XSS") == []
    assert page.body.count("Enable the integration to redrive") == 2
    skipped = next(r for r in page.body.split("<tr")[1:] if "XSS" in r)
    assert "Skipped" in skipped and "The integration is disabled (manual); enable it, then redrive" in skipped
    # AND a redrive posted anyway (an old tab) is refused with the same advice, and changes nothing
    dead_id = next(d["id"] for d in acme.call("GET", f"/v1/integrations/{soc['id']}/deliveries")[1]["items"]
                   if d["event_id"] == "v-1")
    refused = admin.post(f"{path}/{dead_id}/redrive", {"csrf": page.csrf})
    assert refused.status == 409 and "enable the integration first" in refused.body
    # WHEN it is enabled THEN both the dead letter and the skipped delivery can be redriven
    acme.call("POST", f"/v1/integrations/{soc['id']}/enable")
    enabled = admin.get(path)
    forms = redrive_forms(enabled, "SQLi") + redrive_forms(enabled, "XSS")
    assert len(forms) == 2
    for action in forms:
        assert admin.post(action, {"csrf": page.csrf}).status == 303


def test_deleting_the_integration_that_sends_to_the_primary_email_asks_twice(admin, acme):  # noqa: F811
    primary = integration_id(acme, "Primary email")
    first = admin.get(f"/console/integrations/{primary}/delete")
    assert "Delete “Primary email”?" in first.body

    second = admin.post(f"/console/integrations/{primary}/delete", {"csrf": first.csrf})

    assert second.status == 200 and "Really delete “Primary email”?" in second.body
    assert "It sends to your company's primary email, sec@acme.io." in second.body
    assert acme.call("GET", f"/v1/integrations/{primary}")[0] == 200  # asked once: not deleted yet
    done = admin.post(f"/console/integrations/{primary}/delete", {"csrf": first.csrf, "primary_confirmed": "yes"})
    assert done.status == 303 and acme.call("GET", f"/v1/integrations/{primary}")[0] == 404


def test_saving_a_fixed_auto_disabled_integration_offers_test_then_enable(admin, acme, flaky_ses):  # noqa: F811
    # GIVEN SOC auto-disabled because SES refuses bad@
    soc = soc_with_a_rejected_address(acme, flaky_ses)
    service.disable(stores(), acme.id, soc["id"],
                    "auto-disabled: 89% of send requests failed in the last 12 hours (17 of 19)")
    page = admin.get(f"/console/integrations/{soc['id']}")
    # WHEN the admin replaces the bad address and saves
    fields = [("csrf", page.csrf), ("action", "save"), ("name", "SOC"), ("emails", "good@acme.io, other@acme.io"),
              ("frequency", "none"), ("events", "system"), ("events", "vuln_high")]
    saved = admin.post(f"/console/integrations/{soc['id']}", fields)
    # THEN the page says it is still disabled and offers Test integration first
    assert saved.headers["Location"] == f"/console/integrations/{soc['id']}?notice=saved-disabled"
    shown = admin.get(saved.headers["Location"]).body
    assert "Changes saved. The integration is still disabled: run Test integration, then enable it." in shown
    assert f'action="/console/integrations/{soc["id"]}/test"' in shown
    # WHEN the test runs THEN every step passed, the events are in words, and Enable is offered
    tested = admin.post(f"/console/integrations/{soc['id']}/test", {"csrf": page.csrf})
    assert "Test passed" in tested.body and "Every step passed. Enable the integration" in tested.body
    assert "events: System related, Vulnerabilities (high risk)" in tested.body
    assert f'action="/console/integrations/{soc["id"]}/enable"' in tested.body
    # WHEN it is enabled THEN it sends again, with a fresh failure window
    assert admin.post(f"/console/integrations/{soc['id']}/enable", {"csrf": page.csrf}).status == 303
    enabled = acme.call("GET", f"/v1/integrations/{soc['id']}")[1]
    assert enabled["active"] is True and enabled["failure_window_start"] is not None
    assert "Since the last fix" in admin.get("/console/integrations").body
