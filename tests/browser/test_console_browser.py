"""The console in a real browser: Debian's Chromium driven by Playwright against `make run`'s stack,
started as a child process on free ports with two local fault switches (``local/faults.py``): sends
to ``fail.example`` fail, and the clock runs fast so a failing delivery dead-letters in seconds.

Screenshots of each page land in ``tests/artifacts/console/`` (git-ignored). Chromium is installed by
``make test`` (``make chromium``); a missing browser fails these tests, it never skips them.
"""

import json
import re
import time
import urllib.request
from typing import Any

import boto3
import pytest
from playwright.sync_api import Browser, Page, expect

from chalicelib.settings import get_settings
from tests.support.browser import FAIL_DOMAIN, NARROW, WIDE, api, card, shoot, sign_in
from tests.support.stack_process import RunningStack

pytestmark = pytest.mark.xdist_group("browser")  # one worker: one Chromium and one child stack for the module


def suppress(stack: RunningStack, email: str) -> None:
    """A hard bounce on the demo tenant's list, written to the stack's moto as the SES feedback function would."""
    dynamodb = boto3.resource("dynamodb", endpoint_url=stack.values["MOTO_URL"], region_name=get_settings().aws_region)
    dynamodb.Table(get_settings().suppressions_table).put_item(Item={
        "tenant_id": stack.values["DEMO_TENANT_ID"], "email": email, "reason": "bounce",
        "detail": "smtp; 550 5.1.1 user unknown", "created_at": "2026-11-25T10:00:00+00:00"})


def outbox(stack: RunningStack) -> list[dict[str, Any]]:
    with urllib.request.urlopen(stack.api_url + "/local/outbox.json", timeout=10) as response:
        return json.loads(response.read())


def test_sign_in_shows_the_integrations_page_at_desktop_and_phone_widths(browser: Browser, admin: Page,
                                                                        stack: RunningStack) -> None:
    primary = card(admin, "Primary email")
    expect(primary).to_contain_text("security@demo.example")
    expect(primary).to_contain_text("Active")
    expect(primary).to_contain_text("Weekly PDF report")
    expect(admin.get_by_role("link", name="Outbox")).to_have_attribute("href", "/local/outbox")
    shoot(admin, "integrations-1280")

    phone = browser.new_context(viewport=NARROW, base_url=stack.api_url, is_mobile=True)
    page = phone.new_page()
    page.goto("/console/sign-in")
    shoot(page, "sign-in-390")
    sign_in(page, stack.values["ADMIN_TOKEN"])
    for path, name in (("/console/integrations", "integrations-390"), ("/console/reports", "reports-390"),
                       ("/console/integrations/new", "integration-form-390")):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], f"{path} scrolls sideways"
        shoot(page, name)
    phone.close()


def test_the_keyboard_reaches_add_integration_with_a_visible_focus(admin: Page) -> None:
    admin.goto("/console/integrations")
    for _ in range(20):
        admin.keyboard.press("Tab")
        if admin.evaluate("document.activeElement.textContent.trim()") == "Add integration":
            break
    else:
        pytest.fail("Tab never reached 'Add integration'")
    outline = admin.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused control shows no focus ring"
    admin.keyboard.press("Enter")
    expect(admin).to_have_url(re.compile(r"/console/integrations/new$"))


def test_add_an_integration_through_the_form_test_it_and_find_the_mails_in_the_outbox(admin: Page,
                                                                                     stack: RunningStack) -> None:
    admin.goto("/console/integrations/new")
    admin.get_by_label("Name").fill("SOC team")
    admin.get_by_label("Email addresses").fill("soc@demo.example, not-an-address")
    admin.get_by_role("checkbox", name="Weekly", exact=True).check()
    admin.get_by_label("System related").check()
    admin.get_by_label("Scope (exposed assets) changed").check()
    admin.get_by_role("button", name="Add integration").click()

    # the rejected address is named next to the field, and what was typed is kept
    error = admin.locator("#emails-error")
    expect(error).to_contain_text("'not-an-address' is not a valid email address")
    expect(admin.get_by_label("Email addresses")).to_have_attribute("aria-invalid", "true")
    expect(admin.get_by_label("Name")).to_have_value("SOC team")
    shoot(admin, "integration-form-error-1280")

    admin.get_by_label("Email addresses").fill("soc@demo.example, lead@demo.example")
    admin.get_by_role("button", name="Test integration").click()
    result = admin.locator("#test-result")
    expect(result).to_contain_text("Test passed")
    for step in ("Configuration is valid", "Mail can go out", "Sender address verified", "System related sample",
                 "High risk vulnerability sample", "Scope changed sample", "Weekly PDF report sample"):
        expect(result).to_contain_text(step)
    expect(result).to_contain_text("[Test message]")
    shoot(admin, "test-integration-1280")

    with admin.context.expect_page() as opened:  # a new tab, so the form keeps what was typed
        result.get_by_role("link", name="outbox").click()
    mail_tab = opened.value
    expect(mail_tab.locator("article").filter(has_text="[Test message]").first).to_be_visible()
    shoot(mail_tab, "outbox-1280")
    mail_tab.close()
    test_mails = [m for m in outbox(stack) if m["subject"].startswith("[Test message]")
                  and m["to"] in (["soc@demo.example"], ["lead@demo.example"])]  # each address its own message
    assert len(test_mails) == 12, [m["subject"] for m in test_mails]  # system, 3 risk levels, scope, report
    assert any(a["filename"].endswith(".pdf") for m in test_mails for a in m["attachments"])

    admin.get_by_role("button", name="Add integration").click()
    expect(admin.get_by_role("status")).to_have_text("Integration added.")
    soc = card(admin, "SOC team")
    expect(soc).to_contain_text("soc@demo.example, lead@demo.example")
    expect(soc).to_contain_text("System related")


def test_the_digest_choice_is_offered_saved_and_listed(admin: Page) -> None:
    admin.goto("/console/integrations/new")
    admin.get_by_label("Name").fill("Digest team")
    admin.get_by_label("Email addresses").fill("digest@demo.example")
    expect(admin.get_by_role("radio", name="Instant")).to_be_checked()
    admin.get_by_role("radio", name="Hourly digest").check()
    admin.get_by_role("button", name="Add integration").click()
    expect(admin.get_by_role("status")).to_have_text("Integration added.")
    expect(card(admin, "Digest team")).to_contain_text("Hourly digest")

    card(admin, "Digest team").get_by_role("link", name="Edit Digest team").click()
    expect(admin.get_by_role("radio", name="Hourly digest")).to_be_checked()
    admin.get_by_role("radio", name="Daily digest").check()
    shoot(admin, "integration-digest-1280")
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("radio", name="Daily digest")).to_be_checked()  # saved, the form shown again
    admin.goto("/console/integrations")
    expect(card(admin, "Digest team")).to_contain_text("Daily digest")


def test_quiet_hours_are_set_on_the_form_and_listed(admin: Page) -> None:
    admin.goto("/console/integrations/new")
    admin.get_by_label("Name").fill("Night shift")
    admin.get_by_label("Email addresses").fill("night@demo.example")
    admin.get_by_label("From", exact=True).fill("22:00")
    admin.get_by_label("To", exact=True).fill("07:00")
    shoot(admin, "integration-quiet-hours-1280")
    admin.get_by_role("button", name="Add integration").click()
    expect(admin.get_by_role("status")).to_have_text("Integration added.")
    expect(card(admin, "Night shift")).to_contain_text("Instant · quiet hours 22:00–07:00")


def test_disable_enable_and_delete_with_a_confirmation(admin: Page) -> None:
    admin.goto("/console/integrations")
    soc = card(admin, "SOC team")
    soc.get_by_role("button", name="Disable").click()
    expect(admin.get_by_role("status")).to_contain_text("settings are kept")
    expect(soc.locator(".badge").first).to_have_text("Disabled")
    shoot(admin, "integration-disabled-1280")

    soc.get_by_role("button", name="Enable").click()
    expect(soc.locator(".badge").first).to_have_text("Active")

    soc.get_by_role("link", name="Delete").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Delete “SOC team”?")
    expect(admin.locator(".confirm")).to_contain_text("removes everything")
    shoot(admin, "delete-confirmation-1280")
    admin.get_by_role("button", name="Delete integration").click()
    expect(admin.get_by_role("status")).to_have_text("Integration deleted, with all its settings.")
    expect(card(admin, "SOC team")).to_have_count(0)


def test_a_dead_letter_is_shown_and_redriven_after_the_address_is_fixed(admin: Page, stack: RunningStack) -> None:
    admin.goto("/console/integrations/new")
    admin.get_by_label("Name").fill("On-call")
    admin.get_by_label("Email addresses").fill(f"oncall@{FAIL_DOMAIN}")
    admin.get_by_role("button", name="Add integration").click()
    expect(admin.get_by_role("status")).to_have_text("Integration added.")

    event = {"id": "browser-dead-1", "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
             "data": {"risk": "high", "title": "SQLi in /checkout", "host": "shop.demo.example"}}
    assert api(stack, "POST", "/v1/events", {"events": [event]})["results"][0]["status"] == "accepted"

    oncall = card(admin, "On-call")
    oncall.get_by_role("link", name="Delivery log").click()
    row = admin.locator("tr").filter(has_text="SQLi in /checkout")
    deadline = time.monotonic() + 180
    while not row.filter(has_text="Dead letter").count():
        assert time.monotonic() < deadline, "the delivery did not dead-letter"
        time.sleep(1)
        admin.reload()
    expect(row).to_contain_text("17 tries: Email address is not verified.")
    shoot(admin, "delivery-log-dead-letter-1280")

    # fix the address, then redrive: the next try goes to the new address
    admin.get_by_role("link", name="On-call").click()
    admin.get_by_label("Email addresses").fill("oncall@demo.example")
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("status")).to_have_text("Changes saved.")
    admin.get_by_role("link", name="Delivery log").click()
    row.get_by_role("button", name="Redrive").click()
    expect(admin.get_by_role("status")).to_contain_text("queued again")

    deadline = time.monotonic() + 30
    while not row.filter(has_text="Sent").count():
        assert time.monotonic() < deadline, "the redriven delivery was not sent"
        time.sleep(0.5)
        admin.reload()
    expect(row.get_by_role("button", name="Redrive")).to_have_count(0)
    assert any(m["to"] == ["oncall@demo.example"] and "SQLi in /checkout" in m["subject"] for m in outbox(stack))
    shoot(admin, "delivery-log-redriven-1280")
    admin.goto("/console/integrations")
    shoot(admin, "integrations-after-1280")


def test_reports_page_previews_a_report(admin: Page) -> None:
    admin.get_by_role("link", name="Reports").click()
    expect(admin.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    admin.get_by_label("Frequency", exact=True).select_option("weekly")
    admin.get_by_role("button", name="Render preview").click()
    download = admin.get_by_role("link", name="Download PDF")
    expect(download).to_be_visible()
    assert "X-Amz-Signature=" in (download.get_attribute("href") or "")  # a presigned, expiring S3 link
    shoot(admin, "reports-1280")


def test_reports_page_lists_the_demo_weeks_run_with_its_stages_and_recipients(admin: Page) -> None:
    admin.goto("/console/reports")
    sent = admin.locator(".runs tr.run-sent")
    deadline = time.monotonic() + 180
    while not sent.count():  # the stack seeds two weeks of demo data before it queues the week's report
        assert time.monotonic() < deadline, "the demo week's report run was not sent"
        time.sleep(1)
        admin.reload()
    row = sent.filter(has_text="Weekly").first
    for stage in ("Queued", "Rendered", "Stored", "Handed to delivery"):
        expect(row).to_contain_text(stage)
    expect(row.locator(".run-integration").filter(has_text="security@demo.example")).to_contain_text("Sent")
    shoot(admin, "reports-runs-1280")


def test_a_viewer_sees_no_buttons(browser: Browser, stack: RunningStack) -> None:
    viewer_token = api(stack, "POST", "/v1/tokens", {"name": "auditor", "role": "viewer"})["token"]
    context = browser.new_context(viewport=WIDE, base_url=stack.api_url)
    page = context.new_page()
    sign_in(page, viewer_token)
    expect(page.get_by_role("link", name="Add integration")).to_have_count(0)
    expect(page.get_by_role("button", name="Disable")).to_have_count(0)
    expect(page.locator(".role")).to_have_text("viewer")
    shoot(page, "integrations-viewer-1280")
    context.close()



def test_a_trigger_is_added_through_the_form(admin: Page) -> None:
    admin.get_by_role("link", name="Triggers").click()
    admin.get_by_role("link", name="Add trigger").first.click()
    admin.get_by_label("Name", exact=True).fill("Attack spike")
    admin.get_by_label("Count", exact=True).select_option("attacks")
    admin.get_by_label("Per", exact=True).select_option("hour")
    admin.get_by_label("More than", exact=True).fill("many")
    admin.get_by_label("Primary email").check()
    admin.get_by_role("button", name="Add trigger").click()
    expect(admin.locator("#threshold-error")).to_have_text("Enter a whole number.")
    shoot(admin, "trigger-form-error-1280")

    admin.get_by_label("More than", exact=True).fill("500")
    admin.get_by_label("Domains", exact=True).fill("shop.demo.example")
    admin.get_by_role("button", name="Add trigger").click()
    expect(admin.get_by_role("status")).to_have_text("Trigger added.")
    expect(admin.locator("tr").filter(has_text="Attack spike")).to_contain_text(
        "More than 500 attacks per hour · domain in shop.demo.example")
    shoot(admin, "triggers-1280")


def test_a_suppressed_address_is_removed_after_a_confirmation(admin: Page, stack: RunningStack) -> None:
    suppress(stack, "ops+soc@demo.example")
    admin.get_by_role("link", name="Suppressions").click()
    row = admin.locator("tr").filter(has_text="ops+soc@demo.example")
    expect(row).to_contain_text("Hard bounce")
    shoot(admin, "suppressions-1280")

    row.get_by_role("link", name="Remove").click()
    admin.get_by_role("button", name="Remove address").click()
    expect(admin.get_by_role("status")).to_contain_text("gets mail again")
    expect(row).to_have_count(0)


def test_a_recipient_unsubscribes_with_the_mail_link_and_the_admin_adds_them_back(browser: Browser, admin: Page,
                                                                                   stack: RunningStack) -> None:
    # GIVEN an integration whose Test integration mailed each recipient their own unsubscribe link
    created = api(stack, "POST", "/v1/integrations", {"name": "Leavers", "emails": "stay@demo.example, "
                                                      "leave@demo.example", "events": ["system"]})
    api(stack, "POST", f"/v1/integrations/{created['id']}/test")
    [mail] = [m for m in outbox(stack) if m["to"] == ["leave@demo.example"]]
    link = mail["list_unsubscribe"].strip("<>")
    # WHEN the recipient opens it in a browser without any session, and confirms
    reader = browser.new_context(viewport=NARROW, is_mobile=True)
    page = reader.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Stop these emails?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("leave@demo.example")
    shoot(page, "unsubscribe-confirm-390")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    shoot(page, "unsubscribe-done-390")
    reader.close()
    # THEN the admin sees who left and when, and puts the address back with one click
    admin.goto("/console/integrations")
    leavers = card(admin, "Leavers")
    expect(leavers.locator(".unsubscribed")).to_contain_text("leave@demo.example")
    expect(leavers.locator("dd.recipients")).to_have_text("stay@demo.example")
    leavers.scroll_into_view_if_needed()
    shoot(admin, "integrations-unsubscribed-1280")
    leavers.get_by_role("button", name="Add back leave@demo.example").click()
    expect(admin.get_by_role("status")).to_have_text("The address is back on the integration and gets its mail again.")
    expect(admin.get_by_label("Email addresses")).to_have_value("stay@demo.example, leave@demo.example")
    expect(admin.locator(".unsubscribed")).to_have_count(0)


def test_a_recipient_mutes_from_the_mail_and_the_admin_snoozes_for_everyone_and_lifts(browser: Browser, admin: Page,
                                                                                        stack: RunningStack) -> None:
    # GIVEN a vulnerability mailed to both recipients of an integration, which a trigger also alerts
    created = api(stack, "POST", "/v1/integrations", {"name": "Snoozers", "emails": "calm@demo.example, "
                                                      "keen@demo.example", "events": ["vuln"]})
    api(stack, "POST", "/v1/triggers", {"name": "API watch", "integration_ids": [created["id"]],
                                        "condition": {"type": "api_changed"}})
    event = {"id": "browser-mute-1", "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
             "data": {"id": "browser-v-1", "risk": "high", "title": "SSRF in /fetch", "host": "shop.demo.example"}}
    assert api(stack, "POST", "/v1/events", {"events": [event]})["results"][0]["status"] == "accepted"
    deadline = time.monotonic() + 30
    while not (mails := [m for m in outbox(stack) if m["to"] == ["calm@demo.example"]]):
        assert time.monotonic() < deadline, "the vulnerability was not mailed"
        time.sleep(0.5)
    found = re.search(r"Mute this vulnerability \(.*\): (\S+)", mails[0]["text"])
    assert found, mails[0]["text"]
    # WHEN the recipient opens the mail's mute link (a page that changes nothing) and confirms
    reader = browser.new_context(viewport=WIDE)
    page = reader.new_page()
    page.goto(found.group(1))
    expect(page.get_by_role("heading", name="Mute this vulnerability?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("calm@demo.example")
    shoot(page, "snooze-confirm-1280")
    page.set_viewport_size(NARROW)
    shoot(page, "snooze-confirm-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    page.get_by_role("button", name="Mute this vulnerability").click()
    expect(page.get_by_role("heading", name="Muted until its status changes")).to_be_visible()
    reader.close()
    # AND the admin snoozes the trigger for every recipient from the console
    admin.goto("/console/snoozes")
    admin.get_by_label("Trigger", exact=True).select_option(label="API watch")
    admin.get_by_label("Integration", exact=True).select_option(label="Snoozers")
    admin.get_by_label("For", exact=True).select_option(label="1 day")
    admin.get_by_role("button", name="Snooze for every recipient").click()
    # THEN the list shows both, who made them and until when; the admin lifts the mute
    expect(admin.get_by_role("status")).to_have_text("Snoozed for every recipient of the integration.")
    rows = admin.locator("tbody tr")
    expect(rows.filter(has_text="calm@demo.example")).to_contain_text("Its status changes")
    expect(rows.filter(has_text="Every recipient")).to_contain_text("Trigger “API watch”")
    shoot(admin, "snoozes-1280")
    admin.set_viewport_size(NARROW)
    shoot(admin, "snoozes-390")
    assert admin.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    admin.set_viewport_size(WIDE)
    admin.get_by_role("button", name=re.compile(r"^Lift .* for calm@demo\.example$")).click()
    expect(admin.get_by_role("status")).to_contain_text("Lifted")
    expect(rows.filter(has_text="calm@demo.example")).to_have_count(0)
    assert [s["address"] for s in api(stack, "GET", "/v1/snoozes")["items"]] == [None]
