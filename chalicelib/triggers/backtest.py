"""Backtest a threshold condition on stored data: pure, with the live evaluator's windows and threshold rule.

Attacks and hits are stored as counts per UTC hour, broken down by one field at a time (host, type, IP,
application), so each hour gives the condition's count as bounds ``[low, high]``: exact with one filter over
named values, a range when several filters must hold at once (the hour does not say how they overlap) or
when part of a breakdown is unnamed ("(other IPs)"). Incidents are stored one record each, with their time.
An hour or day window holds whole stored hours (unless the zone's offset is not a whole hour), so its count
is the sum; a minute window is finer than the data, so an hour only bounds how many of its minutes fired.
A window fires when its count is above the threshold (:func:`windows.crossed`), once, like a live trigger.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from math import ceil
from typing import NamedTuple

from chalicelib import clock
from chalicelib.models.backtest import BacktestDay, BacktestWindow, TriggerPreview
from chalicelib.models.security import OTHER_NAMES, Counts, HourlyAggregate, Incident, utc_hour
from chalicelib.models.triggers import FilterRule, ThresholdCondition
from chalicelib.triggers import windows

DAYS = 30
BUSIEST = 5
_HOUR, _MINUTE, _TICK = timedelta(hours=1), timedelta(minutes=1), timedelta(microseconds=1)
# The breakdown of a stored hour each filter reads, and the field of an incident record it compares.
_BREAKDOWNS = {"domain": "hosts", "attack_type": "types", "ip": "ips", "application": "applications"}
_INCIDENT_FIELDS = {"domain": "host", "attack_type": "attack_type"}

NOTE_EVENT_TIME = ("Counted by each event's own time, as a live trigger counts; a live trigger never fires for "
                   "events that arrive more than 5 minutes after their window closed (a backfill).")
NOTE_MINUTE = ("Attacks and hits are stored per hour, so how an hour's events spread over its minutes is unknown: "
               "the lower figure assumes they were spread as evenly as they can be, the higher one that they came "
               "in as many bursts as they can (at most one alert per minute). The real number lies in between.")
NOTE_FILTERS = ("Stored hours break attacks down by one field at a time, so how many matched several filters at "
                "once lies between bounds.")
NOTE_UNNAMED = ("Some hours keep part of a breakdown unnamed (beyond the 20 source IPs or endpoints an hour names, "
                "or hosts and types of an hour too large to name them all): whether those events match the "
                "filters is unknown.")
NOTE_OFFSET = ("Your time zone's hours do not start on a UTC hour, and attacks are stored per UTC hour: each "
               "window shares two stored hours with its neighbours.")
NOTE_INCIDENTS = "Incident records keep no source IP or application, so those filters give bounds."


class Cell(NamedTuple):
    """Between ``low`` and ``high`` of the metric lie in ``[start, end)`` (a stored hour, a window), or at
    ``start`` (an incident: ``end == start``)."""

    start: datetime
    end: datetime
    low: int
    high: int


def period(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """``[start, now)`` where ``start`` is the tenant's midnight ``DAYS - 1`` days before today."""
    first = clock.local(now, timezone).date() - timedelta(days=DAYS - 1)
    noon = datetime.combine(first, time(12), clock.local(now, timezone).tzinfo).astimezone(UTC)
    return windows.window("day", noon, timezone)[0], now


Matches = dict[tuple[str, str], bool]  # (filter, name) → whether it passes: the same names recur every hour


def _breakdown(kind: str, rule: FilterRule, named: dict[str, Counts], total: int, unit: str,
               matches: Matches) -> tuple[int, int, bool]:
    """Bounds of an hour's count that passes ``rule``, and whether an unnamed bucket made them differ. Events
    without the field (no IP given) are in the total but in no breakdown: they pass "none of", fail "any of"."""
    known = unknown = listed = 0
    for name, counts in named.items():
        amount = getattr(counts, unit)
        listed += amount
        if name in OTHER_NAMES:
            unknown += amount
            continue
        if (kind, name) not in matches:
            matches[kind, name] = windows.rule_matches(kind, rule, [name])
        if matches[kind, name]:
            known += amount
    if rule.exclude:
        known += max(0, total - listed)
    return known, known + unknown, unknown > 0


def hour_cell(condition: ThresholdCondition, aggregate: HourlyAggregate, matches: Matches) -> tuple[Cell, bool]:
    """The stored hour's count under the condition's filters, and whether an unnamed bucket left it unsure.
    Several filters: at most the least of them, at least what their overlap must be (Fréchet bounds)."""
    unit = "hits" if condition.metric == "hits" else "attacks"
    total = getattr(aggregate, unit)
    found = [_breakdown(kind, rule, getattr(aggregate, _BREAKDOWNS[kind]), total, unit, matches)
             for kind, rule in condition.filters if rule is not None]
    low = max(0, sum(lo for lo, _, _ in found) - (len(found) - 1) * total) if found else total
    high = min((hi for _, hi, _ in found), default=total)
    start = utc_hour(aggregate.hour)
    return Cell(start, start + _HOUR, low, high), any(unsure for _, _, unsure in found)


def incident_cell(condition: ThresholdCondition, incident: Incident) -> Cell:
    """One incident: 1 if it passes the filters, 0 if it fails one, bounds when a filter reads a field the
    record does not keep."""
    unknown = False
    for kind, rule in condition.filters:
        if rule is None:
            continue
        if kind not in _INCIDENT_FIELDS:
            unknown = True
        elif not windows.rule_matches(kind, rule, [v for v in [getattr(incident, _INCIDENT_FIELDS[kind])] if v]):
            return Cell(incident.at, incident.at, 0, 0)
    return Cell(incident.at, incident.at, 0 if unknown else 1, 1)


def window_counts(interval: str, timezone: str, start: datetime, end: datetime, cells: Iterable[Cell]) -> list[Cell]:
    """Each window of ``interval`` starting in ``[start, end)`` that holds any of ``cells``, with its count's
    bounds: a cell within one window counts in it; one split between windows may lie in any of them."""
    low: Counter[datetime] = Counter()
    high: Counter[datetime] = Counter()
    ends: dict[datetime, datetime] = {}
    for cell in cells:
        span = windows.window(interval, cell.start, timezone)
        whole = cell.end <= span[1]
        while True:
            if start <= span[0] < end:
                ends[span[0]] = span[1]
                low[span[0]] += cell.low if whole else 0
                high[span[0]] += cell.high
            if cell.end <= span[1]:
                break
            span = windows.window(interval, span[1], timezone)
    return [Cell(moment, ends[moment], low[moment], high[moment]) for moment in sorted(ends)]


def minute_alerts(threshold: int, cell: Cell, start: datetime, end: datetime) -> tuple[int, int]:
    """Bounds of the minute windows of a stored hour that fire: at most one per ``threshold + 1`` counted (and
    per minute); at least one when even the most even spread puts more than ``threshold`` in some minute."""
    minutes = ceil((min(cell.end, end) - max(cell.start, start)) / _MINUTE)
    if minutes <= 0:
        return 0, 0
    least = 1 if cell.start >= start and cell.low > threshold * minutes else 0
    return least, min(minutes, cell.high // (threshold + 1))


def _dates(start: datetime, end: datetime, timezone: str) -> list[date]:
    first, last = clock.local(start, timezone).date(), clock.local(end - _MINUTE, timezone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _notes(condition: ThresholdCondition, timezone: str, start: datetime, exact: bool, unnamed: bool) -> list[str]:
    """Why the answer is a range (only the causes that apply); a minute window always says how it is counted."""
    hourly, filters = condition.metric != "incidents", {kind for kind, rule in condition.filters if rule is not None}
    offset = clock.local(start, timezone).utcoffset() or timedelta()
    unsure = not exact
    causes = ((hourly and condition.interval == "minute", NOTE_MINUTE),
              (unsure and hourly and len(filters) > 1, NOTE_FILTERS), (unsure and hourly and unnamed, NOTE_UNNAMED),
              (unsure and hourly and condition.interval != "minute" and bool(offset % _HOUR), NOTE_OFFSET),
              (unsure and not hourly and bool(filters - set(_INCIDENT_FIELDS)), NOTE_INCIDENTS))
    return [NOTE_EVENT_TIME, *(note for applies, note in causes if applies)]


def run(condition: ThresholdCondition, timezone: str, start: datetime, end: datetime,
        aggregates: Iterable[HourlyAggregate], incidents: Iterable[Incident]) -> TriggerPreview:
    """The backtest of ``condition`` over ``[start, end)`` from the stored hours and incident records."""
    unnamed = False
    cells: list[Cell] = []
    if condition.metric == "incidents":
        cells = [incident_cell(condition, incident) for incident in incidents if start <= incident.at < end]
    else:
        matches: Matches = {}
        for aggregate in aggregates:
            cell, unsure = hour_cell(condition, aggregate, matches)
            if cell.start < end and cell.end > start:
                cells.append(cell)
                unnamed |= unsure
    if condition.interval == "minute" and condition.metric != "incidents":
        busy = cells
        fired = [(cell, *minute_alerts(condition.threshold, cell, start, end)) for cell in cells]
    else:
        busy = window_counts(condition.interval, timezone, start, end, cells)
        fired = [(span, int(windows.crossed(condition.threshold, 0, span.low)),
                  int(windows.crossed(condition.threshold, 0, span.high))) for span in busy]
    per_day = {day: [0, 0] for day in _dates(start, end, timezone)}
    for span, least, most in fired:  # a window's alerts count on its date; a stored hour across local midnight's
        first, last = (clock.local(moment, timezone).date()  # minutes may fire on either date
                       for moment in (max(span.start, start), min(span.end, end) - _TICK))
        for day in {first, last}:
            counted = per_day.setdefault(day, [0, 0])
            counted[0], counted[1] = counted[0] + (least if first == last else 0), counted[1] + most
    low, high = sum(least for _, least, _ in fired), sum(most for _, _, most in fired)
    ranked = sorted((span for span in busy if span.high), key=lambda span: (-span.high, -span.low, span.start))
    return TriggerPreview(
        start=start, end=end, timezone=timezone, exact=low == high, alerts=low if low == high else None,
        alerts_min=low, alerts_max=high,
        days=[BacktestDay(date=day, alerts=least if least == most else None, alerts_min=least, alerts_max=most)
              for day, (least, most) in per_day.items()],
        busiest=[BacktestWindow(start=span.start, end=span.end, count_min=span.low, count_max=span.high)
                 for span in ranked[:BUSIEST]],
        notes=_notes(condition, timezone, start, low == high, unnamed))
