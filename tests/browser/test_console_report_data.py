"""The console's "Report data" section in a browser: the checkbox sets and clears ``attach_data``; the report hour
and the write-only PDF password are set, kept, changed and removed (each checked through the API)."""

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import ARTIFACTS, api, card, shoot
from tests.support.stack_process import RunningStack

pytestmark = pytest.mark.xdist_group("browser")  # one worker: the browser group

ATTACH = "Attach the report's tables as CSV files (a zip) beside the PDF"


def test_the_report_data_checkbox_sets_and_clears_attach_data(admin: Page, stack: RunningStack) -> None:
    # GIVEN an integration taking monthly reports, without the data
    created = api(stack, "POST", "/v1/integrations", {"name": "Analysts", "emails": "analysts@demo.example",
                                                      "events": ["report_monthly"]})
    admin.goto("/console/integrations")
    card(admin, "Analysts").get_by_role("link", name="Edit Analysts").click()
    expect(admin.get_by_role("checkbox", name=ATTACH)).not_to_be_checked()

    # WHEN the admin ticks the box and saves
    admin.get_by_role("checkbox", name=ATTACH).check()
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("status")).to_contain_text("Changes saved")

    # THEN the API says so, and the form shows it ticked; unticking clears it
    assert api(stack, "GET", f"/v1/integrations/{created['id']}")["attach_data"] is True
    expect(admin.get_by_role("checkbox", name=ATTACH)).to_be_checked()
    shoot(admin, "integration-report-data-1280")
    admin.get_by_role("checkbox", name=ATTACH).uncheck()
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("status")).to_contain_text("Changes saved")
    assert api(stack, "GET", f"/v1/integrations/{created['id']}")["attach_data"] is False



PASSWORD = "Tr0ub4dor&3-horse"


def test_the_report_hour_and_the_pdf_password_are_set_changed_and_removed_in_the_form(admin: Page,
                                                                                      stack: RunningStack) -> None:
    # GIVEN an integration taking daily and weekly reports at midnight, unprotected
    created = api(stack, "POST", "/v1/integrations", {"name": "Board", "emails": "board@demo.example",
                                                      "events": ["report_daily", "report_weekly"]})
    admin.goto(f"/console/integrations/{created['id']}")
    password = admin.get_by_label("PDF password")
    expect(password).to_have_value("")
    expect(admin.get_by_role("checkbox", name="Remove the protection")).to_have_count(0)

    # WHEN the admin picks 08:00 and types a password that is too short, THEN the form says so and nothing changes
    admin.get_by_label("Reports arrive at").select_option("8")
    password.fill("short")
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.locator("#pdf_password-error")).to_contain_text("8 to 127 characters")
    expect(admin.get_by_label("PDF password")).to_have_value("")  # a typed password is never sent back
    assert api(stack, "GET", f"/v1/integrations/{created['id']}")["report_hour"] == 0

    # WHEN a good one is typed and saved
    admin.get_by_label("Reports arrive at").select_option("8")
    admin.get_by_label("PDF password").fill(PASSWORD)
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("status")).to_contain_text("Changes saved")

    # THEN the API shows the hour, next report times at 08:00 and that a password is set, never the password
    shown = api(stack, "GET", f"/v1/integrations/{created['id']}")
    assert (shown["report_hour"], shown["pdf_password_set"]) == (8, True)
    assert sorted(shown["next_reports"]) == ["daily", "weekly"]
    assert all(at[11:16] == "08:00" for at in shown["next_reports"].values()), shown["next_reports"]
    assert PASSWORD not in str(shown) and PASSWORD not in admin.content()
    # AND the form shows the same: the hour, the next reports, "Set" and an empty password field
    expect(admin.get_by_label("Reports arrive at")).to_have_value("8")
    expect(admin.locator("#next-reports")).to_contain_text("Next daily report")
    expect(admin.locator("#next-reports")).to_contain_text("08:00")
    expect(admin.locator("#pdf-password-help")).to_contain_text("Set:")
    expect(admin.get_by_label("PDF password")).to_have_value("")
    admin.locator("#next-reports").scroll_into_view_if_needed()
    admin.screenshot(path=str(ARTIFACTS / "integration-report-delivery-1280.png"))

    # WHEN a save leaves the field empty, THEN the password stays; ticking "Remove the protection" removes it
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("status")).to_contain_text("Changes saved")
    assert api(stack, "GET", f"/v1/integrations/{created['id']}")["pdf_password_set"] is True
    admin.get_by_role("checkbox", name="Remove the protection").check()
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("status")).to_contain_text("Changes saved")
    assert api(stack, "GET", f"/v1/integrations/{created['id']}")["pdf_password_set"] is False
