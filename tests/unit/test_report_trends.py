"""Trend figures, pure: rollups of consecutive periods, the points a report draws, and the monthly trend read
from the rollup store (the fake: tests/support/fakes) with back-fill."""

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.models.security import HourlyAggregate, Observation, SecurityData, Vulnerability
from chalicelib.models.trends import Rollup
from chalicelib.reports import trends
from chalicelib.reports.content import build_report
from chalicelib.reports.periods import period_from_key
from tests.support.contracts import rollups as contract
from tests.support.fakes.rollups import FakeRollupStore

SLA = {"high": 7, "medium": 30, "low": 90}
ZONE = "America/New_York"
NOVEMBER = period_from_key("monthly", ZONE, "2026-11")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def vulnerability(vid: str, risk: str, *life: tuple[datetime, str]) -> Vulnerability:
    """A vulnerability reported with each (time, status) of ``life``."""
    return Vulnerability(id=vid, at=life[0][0], risk=risk, title=vid,
                         observed=[Observation(at=at, status=status) for at, status in life])


def test_the_fake_keeps_the_store_contract() -> None:
    contract.check(FakeRollupStore())


def test_a_window_is_12_months_12_weeks_or_30_days_ending_with_the_period() -> None:
    months = trends.window(NOVEMBER)
    assert [m.key for m in months] == ["2025-12", *(f"2026-{n:02d}" for n in range(1, 12))]
    assert [trends.label(m) for m in months[:2]] == ["Dec", "Jan 2026"]
    weeks = trends.window(period_from_key("weekly", ZONE, "2026-W02"))
    assert (len(weeks), weeks[0].key, trends.label(weeks[-1])) == (12, "2025-W43", "W02")
    days = trends.window(period_from_key("daily", ZONE, "2026-03-10"))
    assert (len(days), days[0].key, [trends.label(d) for d in days[-2:]]) == (30, "2026-02-09", ["9", "10"])


def test_attacks_count_in_the_period_of_their_hour_in_the_tenants_zone() -> None:
    months = trends.window(NOVEMBER)[-2:]  # New York: November starts 04:00 UTC, December 05:00 UTC
    hours = [HourlyAggregate(hour=utc(2026, 11, 1, 3), attacks=1, hits=2, blocked=1),  # 23:00 on 31 Oct
             HourlyAggregate(hour=utc(2026, 11, 1, 4), attacks=10, hits=20, blocked=5),
             HourlyAggregate(hour=utc(2026, 12, 1, 4), attacks=100, hits=200),  # 23:00 on 30 Nov (EST)
             HourlyAggregate(hour=utc(2026, 12, 1, 5), attacks=1000, hits=2000)]  # December: in no period
    found = trends.rollups(months, hours, [], SLA)
    assert [(r.key, r.attacks, r.hits, r.blocked) for r in found] == [("2026-10", 1, 2, 1), ("2026-11", 110, 220, 5)]
    points = trends.points(months, {r.key: r for r in found})
    assert [p.blocked_percent for p in points] == [100.0, 4.5]


def test_backlog_overdue_and_fixes_per_period_are_the_reports_own_figures() -> None:
    # GIVEN lives that cross month ends: fixed, reopened, false positive, a fix undone in its month, still open
    lives = [
        vulnerability("A", "high", (utc(2026, 9, 3), "open"), (utc(2026, 9, 5), "closed")),  # fixed in 2 d
        vulnerability("B", "high", (utc(2026, 9, 20), "open"), (utc(2026, 10, 15), "closed"),  # 25 d: past SLA
                      (utc(2026, 11, 2), "open")),  # reopened: open at November's end 28+ d → overdue
        vulnerability("C", "medium", (utc(2026, 8, 1), "open"), (utc(2026, 10, 9), "false_positive")),
        vulnerability("D", "low", (utc(2026, 10, 1, 12), "open"), (utc(2026, 10, 3), "closed"),
                      (utc(2026, 10, 4), "open")),  # the fix undone in October: neither fix nor reopening
        vulnerability("E", "medium", (utc(2026, 11, 30, 12), "open")),
        vulnerability("F", "low", (utc(2026, 12, 1, 3), "open")),  # 22:00 on 30 Nov in New York
    ]
    months = trends.window(NOVEMBER)
    found = {r.key: r for r in trends.rollups(months, [], lives, SLA)}

    # THEN each month's figures are what that month's own report says
    for month in months:
        report = build_report("Acme", month, SecurityData(vulnerabilities=lives), SecurityData(),
                              generated_at=month.end, sla_days=SLA)
        figures, rollup = report.vulnerability_figures, found[month.key]
        assert rollup.backlog == {risk: f.value for risk, f in report.open_vulnerabilities.items()}, month.key
        assert rollup.overdue == sum(figures.overdue.values()), month.key
        assert rollup.fixed == sum(figures.fixed.values()), month.key
        if rollup.fixed:
            assert rollup.fix_seconds / rollup.fixed / 86400 == pytest.approx(figures.mean_days_to_fix)
    # AND by hand
    assert [(k, found[k].backlog, found[k].overdue) for k in ("2026-09", "2026-10", "2026-11")] == [
        ("2026-09", {"high": 1, "medium": 1, "low": 0}, 2),  # B (10 d > 7), C (60 d > 30)
        ("2026-10", {"high": 0, "medium": 0, "low": 1}, 0),
        ("2026-11", {"high": 1, "medium": 1, "low": 2}, 1)]  # B (28 d), E, D, F
    assert [(found[k].fixed, found[k].fixed_within_sla) for k in ("2026-09", "2026-10", "2026-11")] == [
        (1, 1), (1, 0), (0, 0)]
    points = {p.key: p for p in trends.points(months, found)}
    assert (points["2026-09"].mean_days_to_fix, points["2026-09"].fixed_within_sla_percent) == (2.0, 100.0)
    assert (points["2026-10"].mean_days_to_fix, points["2026-10"].fixed_within_sla_percent) == (25.0, 0.0)
    assert (points["2026-11"].mean_days_to_fix, points["2026-11"].fixed_within_sla_percent) == (None, None)
    assert points["2026-11"].blocked_percent is None


def test_a_period_not_ended_is_counted_up_to_now() -> None:
    life = [vulnerability("A", "high", (utc(2026, 11, 10), "open"))]
    now = utc(2026, 11, 15)  # open 5 days now, 20 at the month's end
    assert trends.rollups([NOVEMBER], [], life, SLA, now)[0].overdue == 0
    assert trends.rollups([NOVEMBER], [], life, SLA)[0].overdue == 1


def test_the_monthly_trend_reads_the_store_once_and_back_fills_each_missing_ended_month_once() -> None:
    # GIVEN a store holding September's rollup and data kept since 1 January 2026
    store = FakeRollupStore()
    store.put("t1", Rollup(key="2026-09", attacks=99))
    reads: list[tuple[datetime, datetime]] = []

    def read(start: datetime, end: datetime) -> SecurityData:
        reads.append((start, end))
        return SecurityData(aggregates=[HourlyAggregate(hour=start + timedelta(hours=5), attacks=3, hits=4)])

    current = SecurityData(aggregates=[HourlyAggregate(hour=NOVEMBER.start + timedelta(hours=5), attacks=7, hits=8)])
    kept_since = utc(2026, 1, 1, 5)

    # WHEN November's report is made after the month
    points = trends.monthly("t1", NOVEMBER, current, store, read, SLA, utc(2026, 12, 1, 6), kept_since)

    # THEN December 2025 (before the data kept) is shown as not stored; January to October but September are
    # read once each and stored; November comes from the report's own data and is stored too
    assert [(p.key, p.attacks, p.stored) for p in points] == [
        ("2025-12", 0, False), *((f"2026-{n:02d}", 99 if n == 9 else 3, True) for n in range(1, 11)),
        ("2026-11", 7, True)]
    assert len(reads) == 9 and sorted(key for _, key in store.items) == [f"2026-{n:02d}" for n in range(1, 12)]

    # AND a second report reads nothing but the store, in one batch
    reads.clear()
    before = store.batch_reads
    again = trends.monthly("t1", NOVEMBER, current, store, read, SLA, utc(2026, 12, 2), kept_since)
    assert again == points and reads == [] and store.batch_reads == before + 1


def test_a_preview_of_the_current_month_stores_nothing_of_it() -> None:
    store = FakeRollupStore()
    now = utc(2026, 11, 20)
    points = trends.monthly("t1", NOVEMBER, SecurityData(), store, lambda s, e: SecurityData(), SLA, now,
                            kept_since=utc(2026, 1, 1))
    assert points[-1].key == "2026-11" and ("t1", "2026-11") not in store.items
    assert ("t1", "2026-10") in store.items


def test_weekly_and_daily_trends_come_from_one_read_of_their_window() -> None:
    week = period_from_key("weekly", ZONE, "2026-W48")
    reads: list[tuple[datetime, datetime]] = []

    def read(start: datetime, end: datetime) -> SecurityData:
        reads.append((start, end))
        return SecurityData(aggregates=[HourlyAggregate(hour=start + timedelta(days=7 * n, hours=2), attacks=n)
                                        for n in range(12)])

    points = trends.recent(week, read, SLA, week.end)
    assert reads == [(trends.window(week)[0].start, week.end)]
    assert [p.attacks for p in points] == list(range(12))
