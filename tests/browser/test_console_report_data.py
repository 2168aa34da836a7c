"""The console's "Report data" checkbox in a browser: it sets and clears ``attach_data`` (checked through the
API)."""

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import api, card, shoot
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

