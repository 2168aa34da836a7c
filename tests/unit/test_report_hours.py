"""Report hours, pure: hour H of the local day after a period (``clock.at_hour``), with the spring gap moved to the
next valid time and the autumn repeat taken once; an hourly scheduler owes each period once, at that time."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib import clock
from chalicelib.reports.periods import (
    Frequency,
    Period,
    next_report_time,
    period_containing,
    periods_ended_between,
    report_time,
)

BERLIN, HAVANA, LORD_HOWE, NEW_YORK = "Europe/Berlin", "America/Havana", "Australia/Lord_Howe", "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("day", "hour", "timezone", "expected"), [
    (date(2026, 12, 14), 8, BERLIN, utc(2026, 12, 14, 7)),
    (date(2027, 3, 28), 2, BERLIN, utc(2027, 3, 28, 1)),  # 02:00 skipped: 03:00 CEST
    (date(2027, 3, 28), 3, BERLIN, utc(2027, 3, 28, 1)),  # ... which is also 03:00's own time
    (date(2026, 10, 25), 2, BERLIN, utc(2026, 10, 25, 0)),  # repeated: the first 02:00 (CEST)
    (date(2027, 3, 14), 0, HAVANA, utc(2027, 3, 14, 5)),  # midnight skipped: the change, 01:00 CDT
    (date(2027, 3, 14), 1, HAVANA, utc(2027, 3, 14, 5)),
    (date(2026, 10, 4), 2, LORD_HOWE, datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),  # 02:00 → 02:30 (+11)
    (date(2026, 11, 1), 1, NEW_YORK, utc(2026, 11, 1, 5)),  # repeated 01:00: the first (EDT)
])
def test_hour_h_of_a_local_day(day: date, hour: int, timezone: str, expected: datetime) -> None:
    assert clock.at_hour(day, hour, timezone) == expected
    assert clock.at_hour(day, 0, timezone) == clock.midnight(day, timezone)


def test_a_weekly_report_at_8_in_berlin_goes_at_8_on_monday() -> None:
    week = Period("weekly", BERLIN, date(2026, 12, 7))
    assert report_time(week, 8) == utc(2026, 12, 14, 7)
    assert report_time(week, 0) == week.end
    assert next_report_time("weekly", BERLIN, 8, utc(2026, 12, 14, 6, 59)) == utc(2026, 12, 14, 7)
    assert next_report_time("weekly", BERLIN, 8, utc(2026, 12, 14, 7)) == utc(2026, 12, 21, 7)
    assert next_report_time("weekly", BERLIN, 0, utc(2026, 12, 14, 7)) == utc(2026, 12, 20, 23)


@pytest.mark.parametrize("timezone", [BERLIN, HAVANA, LORD_HOWE, NEW_YORK, "Pacific/Chatham"])
@pytest.mark.parametrize("hour", [0, 2, 8, 23])
@pytest.mark.parametrize("frequency", ["daily", "weekly"])
def test_an_hourly_scheduler_owes_each_period_once_at_its_report_time(frequency: Frequency, timezone: str,
                                                                      hour: int) -> None:
    """Through every change of offset of 2026 in these zones (Lord Howe's and Chatham's are not on whole hours),
    each period is owed exactly once, by the first firing at or after its report time."""
    step = timedelta(hours=1)
    for start in (utc(2026, 3, 1), utc(2026, 9, 20)):
        ticks = [start + step * n for n in range(1, 24 * 45)]
        owed = [(tick, period) for tick in ticks
                for period in periods_ended_between(frequency, timezone, tick - step, tick, hour)]
        for tick, period in owed:
            sent = report_time(period, hour)
            assert tick - step < sent <= tick
            local = clock.local(sent, timezone)
            assert local.date() == period.last_day + timedelta(days=1)
            # at hour H, or the first valid time after it when the clock skipped H:00
            before = clock.local(sent - timedelta(seconds=1), timezone)
            assert local.hour == hour or (local.hour > hour and (before.hour < hour or before.date() < local.date()))
        period, expected = period_containing(frequency, timezone, ticks[0]).previous().previous(), []
        while period.start < ticks[-1]:
            if ticks[0] - step < report_time(period, hour) <= ticks[-1]:
                expected.append(period.key)
            period = period.next()
        assert [period.key for _, period in owed] == expected
        for tick in ticks[::7]:
            candidates = [report_time(period, hour) for period in (period_containing(
                frequency, timezone, tick).previous(), period_containing(frequency, timezone, tick))]
            assert next_report_time(frequency, timezone, hour, tick) == min(t for t in candidates if t > tick)


def test_the_report_time_is_read_in_the_zone_not_from_an_offset() -> None:
    # a day in New York that ends in EST after the autumn change: 08:00 is 13:00 UTC, not 12:00
    day = Period("daily", NEW_YORK, date(2026, 10, 31))
    assert report_time(day, 8) == datetime(2026, 11, 1, 8, tzinfo=ZoneInfo(NEW_YORK))
    assert report_time(day, 8) == utc(2026, 11, 1, 13)
