"""The trigger form's backtest in a real browser (Debian's Chromium under Playwright) against `make run`'s stack:
attacks posted through the API on the demo tenant, the unsaved form backtested, the chart beside the form
screenshotted at 1280 and 390 px (``tests/artifacts/console/backtest-*.png``, git-ignored)."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from chalicelib import clock
from tests.support.browser import NARROW, WIDE, api, shoot
from tests.support.stack_process import RunningStack

pytestmark = pytest.mark.xdist_group("browser")
HOST = "shop.backtest.example"
BURSTS = (2, 5, 4, 9, 3, 6, 12, 4)  # attacks in one hour on each of the last 8 days: 6 have more than 3


@pytest.fixture(scope="module")
def attacked(stack: RunningStack) -> int:
    """The bursts posted to the demo tenant; returns the alerts "more than 3 attacks per hour on HOST" gives."""
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    events = [{"id": f"backtest-{day}-{n}", "type": "attack.detected",
               "time": clock.iso(hour - timedelta(days=day + 1) + timedelta(minutes=n)),
               "data": {"type": "sqli", "host": HOST, "ip": "203.0.113.9"}}
              for day, count in enumerate(BURSTS) for n in range(count)]
    assert api(stack, "POST", "/v1/events", {"events": events})["results"][0]["status"] == "accepted"
    integration_id = api(stack, "GET", "/v1/integrations")["items"][0]["id"]
    body = {"name": "Poll", "integration_ids": [integration_id], "condition": {
        "type": "threshold", "metric": "attacks", "interval": "hour", "threshold": 0, "filters": {"domain": [HOST]}}}
    deadline = time.monotonic() + 180
    while api(stack, "POST", "/v1/triggers/preview", body)["alerts"] < len(BURSTS):  # routed asynchronously
        assert time.monotonic() < deadline, "the posted attacks were not routed within 3 minutes"
        time.sleep(0.5)
    return sum(count > 3 for count in BURSTS)


def test_the_backtest_chart_shows_beside_the_unsaved_form_at_desktop_and_phone_widths(
        admin: Page, stack: RunningStack, attacked: int) -> None:
    admin.get_by_role("link", name="Triggers").click()
    admin.get_by_role("link", name="Add trigger").first.click()
    expect(admin.get_by_role("heading", name="Backtest: last 30 days")).to_be_visible()
    admin.get_by_label("Name", exact=True).fill("Shop attacks")
    admin.get_by_label("Count", exact=True).select_option("attacks")
    admin.get_by_label("Per", exact=True).select_option("hour")
    admin.get_by_label("More than", exact=True).fill("3")
    admin.get_by_label("Domains", exact=True).fill(HOST)
    admin.get_by_label("Primary email").check()

    admin.get_by_role("button", name="Backtest").click()

    expect(admin.locator("#backtest-total")).to_have_text(f"{attacked} alerts")
    chart = admin.get_by_role("img", name=re.compile("^Alerts per day from"))
    expect(chart).to_be_visible()
    expect(chart.locator("rect.backtest-sure")).to_have_count(attacked)  # one alert on each of 6 days
    expect(admin.get_by_label("Domains", exact=True)).to_have_value(HOST)  # the form as typed, still unsaved
    form, aside = admin.locator("form.form").bounding_box(), admin.locator("aside.backtest").bounding_box()
    assert form and aside and aside["x"] >= form["x"] + form["width"]  # beside the form
    shoot(admin, "backtest-1280")

    admin.set_viewport_size(NARROW)
    form, aside = admin.locator("form.form").bounding_box(), admin.locator("aside.backtest").bounding_box()
    assert form and aside and aside["y"] >= form["y"] + form["height"]  # below it on a phone
    assert admin.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    admin.get_by_role("button", name="Backtest").click()  # on a phone the page opens at the backtest
    expect(admin.locator("#backtest-total")).to_be_in_viewport()
    shoot(admin, "backtest-390")

    admin.set_viewport_size(WIDE)
    admin.get_by_label("Per", exact=True).select_option("minute")
    admin.get_by_role("button", name="Backtest").click()
    expect(admin.locator("#backtest-total")).to_contain_text("Between")
    expect(admin.locator(".backtest-notes")).to_contain_text("stored per hour")
    shoot(admin, "backtest-minute-1280")
    # a backtest saves nothing (the stack is shared: other modules' triggers have names of their own)
    assert "Shop attacks" not in {trigger["name"] for trigger in api(stack, "GET", "/v1/triggers")["items"]}
