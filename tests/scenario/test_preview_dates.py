"""Report preview dates: only real ``YYYY-MM-DD`` dates from today minus the data retention to the end of the
current period, in the tenant's zone; anything else — the calendar's ends, a number — is a 422, in the API and
as a field error in the console. The clock stands at Wednesday 2026-11-25 10:00 UTC; retention is 400 days."""

import pytest

from tests.support.api import Api, TenantHandle
from tests.support.checks import assert_error
from tests.support.console import Browser

FORMAT = "Value error, must be a date written YYYY-MM-DD"
TOO_OLD = "{day} is older than the 400 days of data kept; choose a day from 2025-10-21 on"


def preview(tenant: TenantHandle, frequency: str, period_end: object) -> tuple[int, dict]:
    return tenant.call("POST", "/v1/reports/preview", {"frequency": frequency, "period_end": period_end})


def refusal(response: tuple[int, dict]) -> str:
    """The message of the one detail of a 422 about ``period_end``."""
    error = assert_error(response, 422, "validation_failed")
    [detail] = error["details"]
    assert detail["path"] == "period_end", error
    return detail["message"]


@pytest.mark.parametrize("frequency", ["daily", "weekly", "monthly"])
def test_the_calendars_ends_are_refused_with_a_reason(acme, frequency):
    assert refusal(preview(acme, frequency, "0001-01-01")) == TOO_OLD.format(day="0001-01-01")
    assert "has not started yet" in refusal(preview(acme, frequency, "9999-12-31"))


@pytest.mark.parametrize("period_end", [0, 20261124, 1.5, True, "20261124", "2026-11-24T00:00:00", "2026-W48-1",
                                        "24.11.2026", " 2026-11-24", "2026-11-24Z", ["2026-11-24"]])
def test_only_dates_written_yyyy_mm_dd_are_taken(acme, period_end):
    assert refusal(preview(acme, "daily", period_end)) == FORMAT


@pytest.mark.parametrize("period_end", ["2026-02-30", "2026-13-01", "0000-01-01"])
def test_a_date_not_in_the_calendar_is_named(acme, period_end):
    assert refusal(preview(acme, "daily", period_end)) == f"Value error, {period_end} is not a date of the calendar"


def test_the_window_is_the_retention_up_to_the_current_period(acme):
    assert refusal(preview(acme, "daily", "1900-01-01")) == TOO_OLD.format(day="1900-01-01")
    assert refusal(preview(acme, "daily", "2025-10-20")) == TOO_OLD.format(day="2025-10-20")
    assert refusal(preview(acme, "daily", "2026-11-26")) == (
        "the day ending 2026-11-26 has not started yet; the current day ends on 2026-11-25")
    assert refusal(preview(acme, "weekly", "2026-12-06")) == (
        "the week ending 2026-12-06 has not started yet; the current week ends on 2026-11-29")
    for frequency, day, key in [("daily", "2025-10-21", "2025-10-21"), ("daily", "2026-11-25", "2026-11-25"),
                                ("weekly", "2026-11-29", "2026-W48")]:  # the oldest day kept; current periods
        status, body = preview(acme, frequency, day)
        assert status == 200 and body["period_key"] == key, body


def test_today_is_the_tenants_today(api: Api):
    # 10:00 UTC is already Thursday 00:00 on Kiritimati (UTC+14)
    kiritimati = api.tenant("Line Islands", "sec@line.example", timezone="Pacific/Kiritimati")
    status, body = preview(kiritimati, "daily", "2026-11-26")
    assert status == 200 and body["period_key"] == "2026-11-26" and body["timezone"] == "Pacific/Kiritimati"
    assert "has not started yet" in refusal(preview(kiritimati, "daily", "2026-11-27"))


@pytest.mark.parametrize(("period_end", "message"), [
    ("9999-12-31", "The day ending 9999-12-31 has not started yet; the current day ends on 2026-11-25."),
    ("0001-01-01", "0001-01-01 is older than the 400 days of data kept; choose a day from 2025-10-21 on."),
    ("20261124", "Enter a date as YYYY-MM-DD."),
    ("2026-02-30", "Enter a date as YYYY-MM-DD."),
])
def test_the_consoles_preview_form_names_the_field(api: Api, acme: TenantHandle, period_end, message):
    admin = Browser(api.client)
    assert admin.sign_in(acme.token).status == 303
    page = admin.get("/console/reports")
    answer = admin.post("/console/reports/preview", {"csrf": page.csrf, "frequency": "daily",
                                                     "period_end": period_end})
    assert answer.status == 422
    assert f'id="period-end-error">{message}</p>' in answer.body
    assert f'value="{period_end}"' in answer.body  # what was typed stays in the field
