"""The backtest's pure rules (chalicelib/triggers/backtest.py): what a stored hour can say about a condition's count,
the bounds of minute windows inside an hour, windows that split a stored hour, and incidents by their own time."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.models.security import Counts, HourlyAggregate, Incident
from chalicelib.models.triggers import ThresholdCondition
from chalicelib.triggers import backtest
from chalicelib.triggers.backtest import Cell

HOUR = datetime(2026, 11, 10, 2, tzinfo=UTC)


def condition(interval: str = "hour", threshold: int = 5, metric: str = "attacks",
              **filters: Any) -> ThresholdCondition:
    return ThresholdCondition.model_validate({"type": "threshold", "metric": metric, "interval": interval,
                                              "threshold": threshold, "filters": filters})


# 12 attacks: 9 on pay (sqli), 3 on api (xss); 10 give an IP, of which 4 are unnamed ("(other IPs)").
STORED = HourlyAggregate(hour=HOUR, attacks=12, hits=120,
                         hosts={"pay.acme.io": Counts(attacks=9, hits=90), "api.acme.io": Counts(attacks=3, hits=30)},
                         types={"sqli": Counts(attacks=9, hits=90), "xss": Counts(attacks=3, hits=30)},
                         ips={"203.0.113.7": Counts(attacks=6, hits=60), "(other IPs)": Counts(attacks=4, hits=40)})


@pytest.mark.parametrize(("filters", "low", "high", "unsure"), [
    ({}, 12, 12, False),
    ({"domain": ["API.acme.io."]}, 3, 3, False),  # compared as a live trigger compares: case, trailing dot
    ({"attack_type": {"values": ["sqli"], "exclude": True}}, 3, 3, False),
    ({"ip": ["203.0.113.0/24"]}, 6, 10, True),  # the unnamed four may or may not be in the block
    ({"ip": {"values": ["203.0.113.7"], "exclude": True}}, 2, 6, True),  # the two without an IP pass "none of"
    ({"domain": ["api.acme.io"], "attack_type": ["sqli"]}, 0, 3, False),  # one field at a time: the overlap is unknown
    ({"domain": ["pay.acme.io"], "attack_type": ["sqli"]}, 6, 9, False),  # 9 + 9 - 12: at least 6 are both
])
def test_a_stored_hour_bounds_the_count_under_the_filters(filters: dict[str, Any], low: int, high: int,
                                                           unsure: bool) -> None:
    cell, unnamed = backtest.hour_cell(condition(**filters), STORED, {})
    assert (cell.low, cell.high, unnamed) == (low, high, unsure)
    assert (cell.start, cell.end) == (HOUR, HOUR + timedelta(hours=1))


@pytest.mark.parametrize(("threshold", "low", "high", "expected"), [
    (0, 1, 1, (1, 1)),  # one attack: its minute fires, whatever minute it was
    (0, 200, 200, (1, 60)),  # at most one alert per minute
    (2, 12, 12, (0, 4)),  # 12 may sit 2 per minute (none fires) or in 4 bursts of 3
    (2, 181, 181, (1, 60)),  # more than 2 × 60: some minute had more than 2
    (2, 100, 181, (0, 60)),  # bounds of the count give bounds of the alerts
])
def test_minute_windows_in_a_stored_hour_fire_between_bounds(threshold: int, low: int, high: int,
                                                              expected: tuple[int, int]) -> None:
    start, end = HOUR - timedelta(days=1), HOUR + timedelta(days=1)
    assert backtest.minute_alerts(threshold, Cell(HOUR, HOUR + timedelta(hours=1), low, high), start, end) == expected


def test_the_current_hour_counts_only_its_minutes_so_far_and_a_half_hour_before_the_period_is_never_sure() -> None:
    hour = Cell(HOUR, HOUR + timedelta(hours=1), 181, 181)
    assert backtest.minute_alerts(2, hour, HOUR - timedelta(days=1), HOUR + timedelta(minutes=10)) == (1, 10)
    assert backtest.minute_alerts(2, hour, HOUR + timedelta(minutes=30), HOUR + timedelta(days=1)) == (0, 30)


def test_an_hour_window_of_a_half_hour_zone_may_hold_all_or_none_of_each_stored_hour() -> None:
    cells = [Cell(HOUR, HOUR + timedelta(hours=1), 4, 4), Cell(HOUR + timedelta(hours=1), HOUR + timedelta(hours=2),
                                                               2, 2)]
    spans = backtest.window_counts("hour", "Asia/Kolkata", HOUR - timedelta(days=1), HOUR + timedelta(days=1), cells)
    assert [(s.start.minute, s.low, s.high) for s in spans] == [(30, 0, 4), (30, 0, 6), (30, 0, 2)]
    utc = backtest.window_counts("day", "UTC", HOUR - timedelta(days=1), HOUR + timedelta(days=1), cells)
    assert [(s.start, s.low, s.high) for s in utc] == [(HOUR.replace(hour=0), 6, 6)]


def test_incidents_count_by_their_own_time_and_unkept_fields_give_bounds() -> None:
    incident = Incident(id="i-1", at=HOUR + timedelta(minutes=7), title="Brute force", host="api.acme.io",
                        attack_type="brute")
    assert backtest.incident_cell(condition(domain=["api.acme.io"]), incident) == Cell(incident.at, incident.at, 1, 1)
    assert backtest.incident_cell(condition(domain=["pay.acme.io"]), incident).high == 0
    assert backtest.incident_cell(condition(ip=["203.0.113.7"]), incident) == Cell(incident.at, incident.at, 0, 1)
    preview = backtest.run(condition("minute", 0, "incidents"), "UTC", HOUR, HOUR + timedelta(hours=2), [], [incident])
    assert (preview.exact, preview.alerts) == (True, 1)
    assert [(w.start, w.count_max) for w in preview.busiest] == [(HOUR + timedelta(minutes=7), 1)]
    assert backtest.NOTE_MINUTE not in preview.notes  # incidents keep their time: minute windows are exact


def test_the_period_is_thirty_local_dates_ending_today() -> None:
    start, end = backtest.period(datetime(2026, 11, 25, 3, tzinfo=UTC), "America/New_York")
    assert (start, end) == (datetime(2026, 10, 26, 4, tzinfo=UTC), datetime(2026, 11, 25, 3, tzinfo=UTC))


def test_minutes_of_a_stored_hour_across_local_midnight_may_fire_on_either_date() -> None:
    """18:00–19:00 UTC is 23:30–00:30 in India: its alerts are bounded on both dates, sure on neither."""
    evening = HourlyAggregate(hour=datetime(2026, 11, 10, 18, tzinfo=UTC), attacks=181)
    preview = backtest.run(condition("minute", 2), "Asia/Kolkata", datetime(2026, 11, 9, 18, 30, tzinfo=UTC),
                           datetime(2026, 11, 12, tzinfo=UTC), [evening], [])
    assert (preview.alerts_min, preview.alerts_max) == (1, 60)
    assert [(str(d.date), d.alerts_min, d.alerts_max) for d in preview.days] == [
        ("2026-11-10", 0, 60), ("2026-11-11", 0, 60), ("2026-11-12", 0, 0)]
