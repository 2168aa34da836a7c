"""A report's trends: the same figures over the last 12 months (monthly), 12 weeks (weekly) or 30 days (daily).

Pure: :func:`rollups` computes the figures of consecutive periods from their security data, :func:`points` turns
them into what a report draws. :func:`monthly` reads a monthly trend from the rollup store (one batch read of
12 items) and writes each ended month that is missing there, computed from the stored data, so every month is
computed once; weekly and daily trends are computed from one read of their window (at most 84 days of hours).
"""

from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from chalicelib.models.security import OPEN, RISKS, HourlyAggregate, Risk, SecurityData, Vulnerability
from chalicelib.models.trends import Rollup, TrendPoint
from chalicelib.reports.content import moves
from chalicelib.reports.periods import Period
from chalicelib.stores.rollups import RollupStore

LENGTHS = {"daily": 30, "weekly": 12, "monthly": 12}
_MIDPOINT = timedelta(minutes=30)  # an hour bucket belongs to the period its midpoint falls in (``hours_between``)


def window(period: Period) -> list[Period]:
    """The periods a trend of ``period`` shows, oldest first, ``period`` last."""
    periods = [period]
    for _ in range(LENGTHS[period.frequency] - 1):
        periods.append(periods[-1].previous())
    return periods[::-1]


def _open_runs(vulnerability: Vulnerability) -> list[tuple[datetime, datetime | None]]:
    """Each open run as (opened, closed or ``None`` while open)."""
    runs: list[tuple[datetime, datetime | None]] = []
    for change in vulnerability.history:
        if change.status in OPEN:
            runs.append((change.at, None))
        elif runs and runs[-1][1] is None:
            runs[-1] = (runs[-1][0], change.at)
    return runs


def rollups(periods: list[Period], aggregates: list[HourlyAggregate], vulnerabilities: list[Vulnerability],
            sla_days: dict[Risk, int], now: datetime | None = None) -> list[Rollup]:
    """The figures of consecutive ``periods`` from data covering them all: attacks by the hour's midpoint, the
    backlog and the overdue at each period's end as the report counts them at its end (open when the last change
    before the end opened it; overdue when open longer than the risk's SLA), fixes by :func:`moves`. Each
    vulnerability costs its changes and the periods its open runs span, not every period. A period not ended at
    ``now`` is counted up to ``now``, as a preview's report is."""
    starts = [period.start.astimezone(UTC) for period in periods]
    ends = [min(period.end, now or period.end).astimezone(UTC) for period in periods]
    found = [Rollup(key=period.key) for period in periods]
    for aggregate in aggregates:
        n = bisect_right(starts, aggregate.hour + _MIDPOINT) - 1
        if n >= 0 and aggregate.hour + _MIDPOINT < ends[n]:
            found[n].attacks += aggregate.attacks
            found[n].hits += aggregate.hits
            found[n].blocked += aggregate.blocked
    for vulnerability in vulnerabilities:
        sla = timedelta(days=sla_days[vulnerability.risk])
        for opened, closed in _open_runs(vulnerability):
            last = len(ends) if closed is None else bisect_right(ends, closed)
            for n in range(bisect_right(ends, opened), last):
                found[n].backlog[vulnerability.risk] += 1
                found[n].overdue += ends[n] - opened > sla
        touched = {n for change in vulnerability.history
                   if (n := bisect_right(starts, change.at) - 1) >= 0 and change.at < ends[n]}
        for n in touched:
            fix = moves(vulnerability, starts[n], ends[n]).fix
            if fix is not None:
                found[n].fixed += 1
                found[n].fix_seconds += int(fix.total_seconds())
                found[n].fixed_within_sla += fix <= sla
    return found


def label(period: Period) -> str:
    """``Nov`` (``Jan 2027`` for a January), ``W48``, ``24``: short enough for twelve or thirty under a chart."""
    if period.frequency == "monthly":
        return f"{period.first_day:%b}" + (f" {period.first_day.year}" if period.first_day.month == 1 else "")
    if period.frequency == "weekly":
        return period.key.split("-")[1]
    return str(period.first_day.day)


def point(period: Period, rollup: Rollup | None) -> TrendPoint:
    """What a report shows of one period; ``rollup`` ``None``: no data kept for it (every figure 0)."""
    found = rollup or Rollup(key=period.key)
    return TrendPoint(
        key=period.key, label=label(period), attacks=found.attacks, hits=found.hits,
        blocked_percent=round(100 * found.blocked / found.attacks, 1) if found.attacks else None,
        backlog={risk: found.backlog.get(risk, 0) for risk in RISKS},
        mean_days_to_fix=round(found.fix_seconds / found.fixed / 86400, 1) if found.fixed else None,
        fixed_within_sla_percent=round(100 * found.fixed_within_sla / found.fixed, 1) if found.fixed else None,
        overdue=found.overdue, stored=rollup is not None)


def points(periods: list[Period], found: dict[str, Rollup]) -> list[TrendPoint]:
    return [point(period, found.get(period.key)) for period in periods]


Reader = Callable[[datetime, datetime], SecurityData]


def monthly(tenant_id: str, period: Period, current: SecurityData, store: RollupStore, read: Reader,
            sla_days: dict[Risk, int], now: datetime, kept_since: datetime) -> list[TrendPoint]:
    """The 12 months ending with ``period``: ``current`` is ``period``'s data (already read for the report);
    ended months come from ``store``, and a missing one is computed from ``read(start, end)`` and stored once,
    unless it began before ``kept_since`` (its data has expired: shown as not stored, never stored as zeros).
    A month not ended yet (a preview) is computed and not stored."""
    months = window(period)
    found = store.get_many(tenant_id, [month.key for month in months if month.end <= now])
    for month in months:
        if month.key in found or (month != period and month.start < kept_since):
            continue
        data = current if month == period else read(month.start, month.end)
        found[month.key] = rollups([month], data.aggregates, data.vulnerabilities, sla_days, now)[0]
        if month.end <= now:
            store.put(tenant_id, found[month.key])
    return points(months, found)


def recent(period: Period, read: Reader, sla_days: dict[Risk, int], now: datetime) -> list[TrendPoint]:
    """The 12 weeks or 30 days ending with ``period``, from one read of their window."""
    periods = window(period)
    data = read(periods[0].start, period.end)
    found = rollups(periods, data.aggregates, data.vulnerabilities, sla_days, now)
    return points(periods, {rollup.key: rollup for rollup in found})
