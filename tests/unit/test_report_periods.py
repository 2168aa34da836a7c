"""Report periods in tenants' time zones: calendar days, ISO weeks, months, DST and year boundaries."""

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.aws import security_repo
from chalicelib.reports.periods import (
    Period,
    last_complete,
    period_containing,
    period_ending_on,
    period_from_key,
    periods_ended_between,
)

LA, TOKYO = "America/Los_Angeles", "Asia/Tokyo"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hourly_ticks(start: datetime, end: datetime) -> list[datetime]:
    hours = int((end - start) / timedelta(hours=1))
    return [start + timedelta(hours=n) for n in range(1, hours + 1)]


def scheduled(frequency: str, timezone: str, start: datetime, end: datetime) -> list[tuple[datetime, Period]]:
    """(tick, period) for every period an hourly scheduler would find between ``start`` and ``end``."""
    return [(tick, period) for tick in hourly_ticks(start, end)
            for period in periods_ended_between(frequency, timezone, tick - timedelta(hours=1), tick)]


def test_los_angeles_and_tokyo_tenants_get_their_own_calendar_day():
    # GIVEN 10:00 UTC on 25 Nov: 02:00 in Los Angeles, 19:00 in Tokyo
    now = utc(2026, 11, 25, 10)

    # WHEN each asks for its last complete day
    la, tokyo = last_complete("daily", LA, now), last_complete("daily", TOKYO, now)

    # THEN both get 24 Nov, bounded by their own midnights
    assert la.key == tokyo.key == "2026-11-24"
    assert (la.start, la.end) == (utc(2026, 11, 24, 8), utc(2026, 11, 25, 8))
    assert (tokyo.start, tokyo.end) == (utc(2026, 11, 23, 15), utc(2026, 11, 24, 15))


def test_hourly_scheduler_finds_each_tenants_day_right_after_its_local_midnight():
    fired_la = scheduled("daily", LA, utc(2026, 11, 24), utc(2026, 11, 26))
    fired_tokyo = scheduled("daily", TOKYO, utc(2026, 11, 24), utc(2026, 11, 26))

    assert [(tick, p.key) for tick, p in fired_la] == [(utc(2026, 11, 24, 8), "2026-11-23"),
                                                       (utc(2026, 11, 25, 8), "2026-11-24")]
    assert [(tick, p.key) for tick, p in fired_tokyo] == [(utc(2026, 11, 24, 15), "2026-11-24"),
                                                          (utc(2026, 11, 25, 15), "2026-11-25")]


def test_dst_change_days_last_23_and_25_hours():
    spring = period_from_key("daily", LA, "2026-03-08")
    autumn = period_from_key("daily", LA, "2026-11-01")

    assert spring.end - spring.start == timedelta(hours=23)
    assert (spring.start, spring.end) == (utc(2026, 3, 8, 8), utc(2026, 3, 9, 7))
    assert autumn.end - autumn.start == timedelta(hours=25)
    assert (autumn.start, autumn.end) == (utc(2026, 11, 1, 7), utc(2026, 11, 2, 8))
    assert period_containing("daily", LA, utc(2026, 11, 2, 7, 59)).key == "2026-11-01"
    assert period_containing("daily", LA, utc(2026, 11, 2, 8)).key == "2026-11-02"


@pytest.mark.parametrize("timezone", [LA, TOKYO, "UTC", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu",
                                      "America/Havana", "America/Santiago", "Australia/Lord_Howe"])
def test_a_year_of_hourly_ticks_fires_every_day_exactly_once(timezone):
    fired = scheduled("daily", timezone, utc(2025, 12, 31, 12), utc(2027, 1, 1, 12))

    days = [p.first_day for _, p in fired if p.first_day.year == 2026]
    assert days == [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    for tick, period in fired:
        assert period.end <= tick < period.end + timedelta(hours=1)
        assert timedelta(hours=22) <= period.end - period.start <= timedelta(hours=26)


def test_midnight_that_happens_twice_starts_the_day_once():
    # Havana falls back from 01:00 to 00:00 on 1 Nov 2026: local midnight occurs twice.
    day = period_from_key("daily", "America/Havana", "2026-11-01")
    assert day.end - day.start == timedelta(hours=25)
    assert period_containing("daily", "America/Havana", day.start + timedelta(minutes=30)) == day


def test_weeks_run_monday_to_sunday_in_local_time():
    # 23 Nov 2026 00:00 in Tokyo is Sunday 22 Nov 15:00 UTC
    week = period_containing("weekly", TOKYO, utc(2026, 11, 22, 15))

    assert week.key == "2026-W48"
    assert (week.first_day, week.last_day) == (date(2026, 11, 23), date(2026, 11, 29))
    assert period_containing("weekly", TOKYO, utc(2026, 11, 22, 14, 59)).key == "2026-W47"
    assert [tick for tick, _ in scheduled("weekly", LA, utc(2026, 11, 20), utc(2026, 12, 5))] == [
        utc(2026, 11, 23, 8), utc(2026, 11, 30, 8)]


def test_week_across_the_year_boundary_keeps_its_iso_year():
    week = period_containing("weekly", LA, utc(2027, 1, 2, 12))

    assert week.key == "2026-W53"
    assert (week.first_day, week.last_day) == (date(2026, 12, 28), date(2027, 1, 3))
    assert week.next().key == "2027-W01"
    assert period_from_key("weekly", LA, "2027-W01").previous() == week


def test_months_and_the_year_boundary():
    december = period_containing("monthly", TOKYO, utc(2026, 12, 31, 14, 59))

    assert december.key == "2026-12"
    assert december.end == utc(2026, 12, 31, 15)
    assert december.next().key == "2027-01"
    assert period_from_key("monthly", TOKYO, "2027-01").previous() == december
    assert len(period_from_key("monthly", "UTC", "2028-02").days()) == 29
    assert [p.key for _, p in scheduled("monthly", TOKYO, utc(2026, 12, 1), utc(2027, 2, 15))] == [
        "2026-12", "2027-01"]


def test_last_complete_at_exactly_local_midnight_is_the_day_that_just_ended():
    assert last_complete("daily", LA, utc(2026, 11, 25, 8)).key == "2026-11-24"
    assert last_complete("daily", LA, utc(2026, 11, 25, 7, 59)).key == "2026-11-23"
    assert last_complete("weekly", "UTC", utc(2026, 11, 25)).key == "2026-W47"
    assert last_complete("monthly", "UTC", utc(2026, 11, 25)).key == "2026-10"


def test_period_ending_on_a_day():
    assert period_ending_on("daily", LA, date(2026, 11, 24)).key == "2026-11-24"
    assert period_ending_on("weekly", LA, date(2026, 11, 29)).key == "2026-W48"
    assert period_ending_on("monthly", LA, date(2026, 2, 28)).key == "2026-02"
    with pytest.raises(ValueError, match="ends on 2026-11-29"):
        period_ending_on("weekly", LA, date(2026, 11, 24))
    with pytest.raises(ValueError, match="ends on 2026-11-30"):
        period_ending_on("monthly", LA, date(2026, 11, 24))


def test_late_or_repeated_firing_sees_each_period_once_per_window():
    # A scheduler that missed two hours looks back over a wider window and still finds the day once.
    assert [p.key for p in periods_ended_between("daily", LA, utc(2026, 11, 25, 7), utc(2026, 11, 25, 10))] == [
        "2026-11-24"]
    assert periods_ended_between("daily", LA, utc(2026, 11, 25, 8), utc(2026, 11, 25, 9)) == []


@pytest.mark.parametrize("frequency,key", [("daily", "2026-13-01"), ("weekly", "2026-48"), ("weekly", "2026-W54"),
                                           ("monthly", "2026-1"), ("monthly", "november")])
def test_malformed_keys_are_rejected(frequency, key):
    with pytest.raises(ValueError, match="period key"):
        period_from_key(frequency, "UTC", key)


def test_hours_of_half_hour_offset_zones_belong_to_exactly_one_day():
    days = [period_from_key("daily", "Asia/Kolkata", key) for key in ("2026-11-23", "2026-11-24")]
    # 24 Nov in Kolkata starts at 18:30 UTC on 23 Nov; the 18:00 UTC hour is counted in 24 Nov
    assert security_repo.hours_between(days[1].start, days[1].end) == (datetime(2026, 11, 23, 18, tzinfo=UTC),
                                                             datetime(2026, 11, 24, 17, tzinfo=UTC))
    assert security_repo.hours_between(days[0].start, days[0].end)[1] == datetime(2026, 11, 23, 17, tzinfo=UTC)
