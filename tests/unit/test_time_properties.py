"""Property tests over the whole datetime range (years 1 to 9999, aware, in awkward zones): time arithmetic,
report periods, trigger windows, TTLs, rendering in a tenant's zone and event validation never raise anything
but their documented ``ValueError``/``ValidationError``. Deterministic (``derandomize``), so CI never flakes."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib import clock
from chalicelib.clock import EARLIEST, LATEST
from chalicelib.email import alerts, notifications
from chalicelib.models.events import EARLIEST_EVENT_TIME, Event
from chalicelib.models.tenants import Tenant
from chalicelib.reports import service
from chalicelib.reports.periods import (
    FREQUENCIES,
    OUTSIDE_CALENDAR,
    period_containing,
    period_ending_on,
    period_from_key,
)
from chalicelib.triggers.windows import window

# UTC, a DST zone, +14 (and a skipped day in 1994), -03:30, +13 with a skipped day in 2011, a 30-minute DST
ZONES = ("UTC", "Europe/Berlin", "Pacific/Kiritimati", "America/St_Johns", "Pacific/Apia", "Australia/Lord_Howe")
# Every period containing a moment in here, and the one before it, lies inside the calendar in every zone.
SAFE = (datetime(1, 2, 3, tzinfo=UTC), datetime(9999, 11, 29, tzinfo=UTC))

zones = st.sampled_from(ZONES)
_aware = st.sampled_from([ZoneInfo(zone) for zone in ZONES])
# The whole range, with the calendar's first and last days and months drawn as often: that is where
# arithmetic overflows.
moments = st.one_of(st.datetimes(max_value=datetime(1, 1, 2), timezones=_aware),
                    st.datetimes(min_value=datetime(9999, 12, 30), timezones=_aware),
                    st.datetimes(max_value=datetime(1, 3, 1), timezones=_aware),
                    st.datetimes(min_value=datetime(9999, 11, 1), timezones=_aware),
                    st.datetimes(timezones=_aware))
examples = settings(max_examples=40, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@examples
@given(moment=moments, delta=st.timedeltas())
def test_shift_adds_within_the_calendar_and_clamps_beyond_it(moment, delta):
    shifted = clock.shift(moment, delta)
    assert EARLIEST <= shifted <= LATEST
    try:
        exact = moment + delta
    except OverflowError:
        return
    if EARLIEST <= exact <= LATEST:
        assert shifted == exact
    assert clock.expiry(moment, delta) == int(shifted.timestamp())


@examples
@given(moment=moments, zone=zones)
def test_a_moment_renders_in_any_zone(moment, zone):
    local = clock.local(moment, zone)
    if EARLIEST <= moment <= LATEST:
        assert local == moment
    assert alerts.local_time(moment, zone)
    assert alerts.window_label(moment, clock.shift(moment, timedelta(hours=1)), zone).endswith(f"({zone})")
    assert clock.iso(moment).endswith("Z")
    event = Event.model_construct(id="e", type="user.created", time=moment, data={"email": "a@b.c"})
    assert f"({zone})" in notifications.render(event, "Acme", zone).text


@pytest.mark.parametrize("interval", ["minute", "hour", "day"])
@examples
@given(moment=moments, zone=zones)
def test_a_trigger_window_holds_its_moment(interval, moment, zone):
    start, end = window(interval, moment, zone)
    assert EARLIEST - timedelta(days=1) <= start < end <= LATEST + timedelta(days=1)
    if interval != "day":  # shorter only where a change of offset cuts it (Lord Howe's 30-minute DST)
        assert timedelta() < end - start <= timedelta(seconds=60 if interval == "minute" else 3600)
    if EARLIEST <= moment <= LATEST:
        assert start <= moment < end


@pytest.mark.parametrize("frequency", FREQUENCIES)
@examples
@given(moment=moments, zone=zones)
def test_a_report_period_holds_its_moment_or_is_refused_at_the_calendars_ends(frequency, moment, zone):
    try:
        period = period_containing(frequency, zone, moment)
        previous = period.previous()
    except ValueError as error:
        assert OUTSIDE_CALENDAR in str(error)
        assert not SAFE[0] <= moment <= SAFE[1]
        return
    assert period.start <= moment < period.end and previous.end == period.start
    assert period_from_key(frequency, zone, period.key) == period
    assert period_ending_on(frequency, zone, period.last_day) == period


@pytest.mark.parametrize("frequency", FREQUENCIES)
@examples
@given(day=st.dates(), now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                                        timezones=st.just(UTC)), zone=zones)
def test_a_preview_date_gives_a_period_within_the_retention_or_a_reason(frequency, day, now, zone):
    tenant = Tenant(id="t", name="Acme", primary_email="sec@acme.io", timezone=zone, created_at=now)
    try:
        period = service.preview_period(tenant, frequency, day, now)
    except ValueError as error:
        assert str(error)
        return
    today = clock.local(now, zone).date()
    assert period.last_day == day and today - timedelta(days=400) <= day
    assert period.start <= period_containing(frequency, zone, now).start


@examples
@given(moment=moments)
def test_an_event_time_is_taken_inside_the_window_and_refused_outside(moment):
    raw = {"id": "e", "type": "user.created", "time": moment.isoformat(), "data": {}}
    try:
        event = Event.model_validate(raw)
    except ValidationError as error:
        assert [e["loc"] for e in error.errors()] == [("time",)]
        assert not EARLIEST_EVENT_TIME <= moment <= clock.now() + timedelta(days=1)
        return
    assert event.time == moment


def test_the_calendars_last_and_first_days_have_no_period():
    for frequency in FREQUENCIES:
        with pytest.raises(ValueError, match="outside the calendar"):
            period_ending_on(frequency, "Pacific/Kiritimati", date(9999, 12, 31))
        with pytest.raises(ValueError, match="outside the calendar"):
            period_containing(frequency, "Pacific/Kiritimati", datetime(1, 1, 1, tzinfo=UTC)).previous()
