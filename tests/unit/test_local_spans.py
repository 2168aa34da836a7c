"""``clock.span``, the one "local day, hour or minute as UTC", property-tested around every change of offset of
2024-2028 in zones with DST gaps and folds, half-hour and 45-minute offsets, a 30-minute DST (Lord Howe) and
changes at midnight (Havana, Santiago); and the three callers (report days, digest periods, trigger windows)
shown to be that one span. Deterministic (``derandomize``), so CI never flakes."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import clock
from chalicelib.digests import periods as digest_periods
from chalicelib.reports import periods as report_periods
from chalicelib.triggers.windows import window

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Adelaide", "Asia/Kathmandu",
         "Australia/Lord_Howe", "America/Havana", "America/Santiago", "Pacific/Chatham")
SIZES = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": clock.DAY}
TICK = timedelta(microseconds=1)
examples = settings(max_examples=60, derandomize=True, deadline=None)


def offset(moment: datetime, zone: str) -> timedelta:
    return moment.astimezone(ZoneInfo(zone)).utcoffset() or timedelta()


def _changes(zone: str) -> tuple[datetime, ...]:
    """The instants of 2024-2028 at which ``zone`` changes its offset (found day by day, then to the second)."""
    found, day = [], datetime(2024, 1, 1, tzinfo=UTC)
    while day.year < 2029:
        before, after = day, day + clock.DAY
        if offset(before, zone) != offset(after, zone):
            while after - before > timedelta(seconds=1):
                middle = before + (after - before) / 2
                before, after = (middle, after) if offset(middle, zone) == offset(before, zone) else (before, middle)
            found.append(after)
        day += clock.DAY
    return tuple(found)


# Found once, at import: finding them while Hypothesis draws would trip its "input generation is slow" check.
CHANGES = {zone: _changes(zone) for zone in ZONES}


@st.composite
def near_a_change(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a moment within 30 hours of one of its changes of offset (or anywhere, for a fixed zone)."""
    zone = draw(st.sampled_from(ZONES))
    around = CHANGES[zone] or (datetime(2026, 6, 1, tzinfo=UTC),)
    change = draw(st.sampled_from(around))
    return zone, change + draw(st.timedeltas(min_value=timedelta(hours=-30), max_value=timedelta(hours=30)))


sizes = st.sampled_from(list(SIZES.values()))


def test_the_zones_change_as_the_tests_assume() -> None:
    assert not CHANGES["Asia/Kolkata"] and not CHANGES["Asia/Kathmandu"]
    assert all(len(CHANGES[zone]) == 10 for zone in ZONES if zone not in ("Asia/Kolkata", "Asia/Kathmandu"))


@examples
@given(at=near_a_change(), size=sizes)
def test_spans_tile_time(at: tuple[str, datetime], size: timedelta) -> None:
    zone, moment = at
    start, end = clock.span(moment, zone, size)
    assert start <= moment < end
    assert clock.span(end, zone, size)[0] == end and clock.span(start - TICK, zone, size)[1] == start


@examples
@given(at=near_a_change(), size=sizes)
def test_a_span_starts_on_the_wall_clock_or_where_the_offset_changed(at: tuple[str, datetime],
                                                                     size: timedelta) -> None:
    zone, moment = at
    start, end = clock.span(moment, zone, size)
    wall = start.astimezone(ZoneInfo(zone))
    since_midnight = timedelta(hours=wall.hour, minutes=wall.minute, seconds=wall.second)
    assert since_midnight % size == timedelta() or offset(start - TICK, zone) != offset(start, zone)
    if size == clock.DAY:  # 23 or 25 hours across DST; 23.5 or 24.5 on Lord Howe
        assert timedelta(hours=23) <= end - start <= timedelta(hours=25)
    else:  # never longer than its size: a change of offset inside it ends it
        assert timedelta() < end - start <= size


@examples
@given(at=near_a_change(), size=sizes)
def test_away_from_a_change_a_span_is_the_fixed_offsets_block(at: tuple[str, datetime], size: timedelta) -> None:
    zone, moment = at
    start, end = clock.span(moment, zone, size)
    if any(start - size <= change <= end + size for change in CHANGES[zone]):
        return
    local = moment + offset(moment, zone)  # the wall clock's reading, as a UTC-labelled datetime
    expected = moment - (local - local.replace(hour=0, minute=0, second=0, microsecond=0)) % size
    assert (start, end) == (expected, expected + size)


@examples
@given(at=near_a_change())
def test_report_days_digest_periods_and_trigger_windows_are_the_one_span(at: tuple[str, datetime]) -> None:
    zone, moment = at
    day = report_periods.period_containing("daily", zone, moment)
    assert (day.start, day.end) == clock.span(moment, zone, clock.DAY) == window("day", moment, zone)
    for frequency, interval, size in (("daily", "day", clock.DAY), ("hourly", "hour", SIZES["hour"])):
        digest = digest_periods.period_containing(frequency, zone, moment)
        assert (digest.start, digest.end) == clock.span(moment, zone, size) == window(interval, moment, zone)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("zone", "moment", "start", "end"), [
    # Lord Howe springs from 02:00 (+10:30) to 02:30 (+11): the hour of 02:00 is its last 30 minutes
    ("Australia/Lord_Howe", at(2026, 10, 3, 15, 29), at(2026, 10, 3, 14, 30), at(2026, 10, 3, 15, 30)),
    ("Australia/Lord_Howe", at(2026, 10, 3, 15, 45), at(2026, 10, 3, 15, 30), at(2026, 10, 3, 16)),
    # ...and falls back from 02:00 (+11) to 01:30 (+10:30): the repeated half hour is an hour of its own
    ("Australia/Lord_Howe", at(2026, 4, 4, 14, 59), at(2026, 4, 4, 14), at(2026, 4, 4, 15)),
    ("Australia/Lord_Howe", at(2026, 4, 4, 15, 10), at(2026, 4, 4, 15), at(2026, 4, 4, 15, 30)),
    ("Australia/Lord_Howe", at(2026, 4, 4, 15, 40), at(2026, 4, 4, 15, 30), at(2026, 4, 4, 16, 30)),
    ("Asia/Kathmandu", at(2026, 11, 25, 10), at(2026, 11, 25, 9, 15), at(2026, 11, 25, 10, 15)),
    ("Australia/Adelaide", at(2026, 4, 4, 16, 40), at(2026, 4, 4, 16, 30), at(2026, 4, 4, 17, 30)),
    # Berlin's repeated 02:00 of 25 October is two hours, told apart by their UTC starts
    ("Europe/Berlin", at(2026, 10, 25, 0, 30), at(2026, 10, 25), at(2026, 10, 25, 1)),
    ("Europe/Berlin", at(2026, 10, 25, 1, 30), at(2026, 10, 25, 1), at(2026, 10, 25, 2)),
])
def test_an_hour_across_a_partial_or_repeated_change(zone: str, moment: datetime, start: datetime,
                                                     end: datetime) -> None:
    assert clock.span(moment, zone, SIZES["hour"]) == window("hour", moment, zone) == (start, end)


def test_a_day_that_springs_over_its_midnight_starts_at_the_change() -> None:
    # Havana went from 00:00 CST to 01:00 CDT on 8 March 2026
    assert clock.span(at(2026, 3, 8, 12), "America/Havana", clock.DAY) == (at(2026, 3, 8, 5), at(2026, 3, 9, 4))


@settings(max_examples=60, derandomize=True, deadline=None)
@given(moment=st.datetimes(timezones=st.sampled_from([ZoneInfo(zone) for zone in ZONES])),
       zone=st.sampled_from(ZONES), size=sizes)
def test_a_span_never_overflows_and_beyond_the_calendar_is_the_nearest_moments(moment: datetime, zone: str,
                                                                               size: timedelta) -> None:
    start, end = clock.span(moment, zone, size)
    assert clock.span(clock.clamp(moment), zone, size) == (start, end)
    assert clock.EARLIEST - clock.DAY <= start < end <= clock.LATEST + clock.DAY


@settings(max_examples=60, derandomize=True, deadline=None)
@given(day=st.dates(), zone=st.sampled_from(ZONES))
def test_midnight_is_an_instant_or_a_refusal_naming_the_calendar(day: date, zone: str) -> None:
    try:
        midnight = clock.midnight(day, zone)
    except ValueError as error:
        assert clock.OUTSIDE_CALENDAR in str(error) and day.year in (1, 9999)
        return
    assert midnight.astimezone(ZoneInfo(zone)).date() == day
