"""The console keeps every report frequency: an integration given daily, weekly and monthly reports through the
API shows each as a ticked box, and editing its addresses in the browser keeps them all (checked through the API)."""

from playwright.sync_api import Page, expect

from tests.support.browser import api, card, shoot
from tests.support.stack_process import RunningStack


def test_editing_an_address_keeps_every_report_frequency_set_through_the_api(admin: Page,
                                                                             stack: RunningStack) -> None:
    # GIVEN an integration with weekly and monthly reports, set through the API
    created = api(stack, "POST", "/v1/integrations", {"name": "CISO", "emails": "ciso@demo.example",
                                                      "events": ["report_weekly", "report_monthly", "vuln_high"]})
    # WHEN the admin opens it in the console
    admin.goto("/console/integrations")
    card(admin, "CISO").get_by_role("link", name="Edit CISO").click()
    # THEN each frequency is a checkbox showing what is set
    expect(admin.get_by_role("checkbox", name="Weekly", exact=True)).to_be_checked()
    expect(admin.get_by_role("checkbox", name="Monthly", exact=True)).to_be_checked()
    expect(admin.get_by_role("checkbox", name="Daily", exact=True)).not_to_be_checked()
    shoot(admin, "integration-report-frequencies-1280")

    # WHEN only an address is changed and saved
    admin.get_by_label("Email addresses").fill("ciso@demo.example, deputy@demo.example")
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("status")).to_contain_text("Changes saved")

    # THEN the API still has both reports (and the rest), with the new address
    saved = api(stack, "GET", f"/v1/integrations/{created['id']}")
    assert saved["emails"] == ["ciso@demo.example", "deputy@demo.example"]
    assert saved["events"] == ["report_weekly", "report_monthly", "vuln_high"]

    # AND ticking daily too adds it without dropping the others
    admin.get_by_role("checkbox", name="Daily", exact=True).check()
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("checkbox", name="Daily", exact=True)).to_be_checked()
    assert api(stack, "GET", f"/v1/integrations/{created['id']}")["events"] == [
        "report_daily", "report_weekly", "report_monthly", "vuln_high"]
