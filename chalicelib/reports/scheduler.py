"""The hourly report scheduler: queues a job for every (tenant, frequency, period) that just ended.

A schedule item per subscribed (tenant, frequency, report hour) says when it is next due
(``aws/report_schedules_repo``): the report time of its next period in the tenant's time zone (``report_hour`` of
the day after the period; hour 0 is the period's end). Each hour the scheduler reads only the due ones, and for
each queues every period whose report time fell in the last ``report_lookback_hours``, or since its ``due_at`` when the
scheduler missed that (an upgrade or an outage: up to ``CATCH_UP``), so a late or missed firing is harmless (the
report claims make a repeated one harmless), and moves it to its next report time. A quiet
hour is one Query per shard; a busy one reads what is due (100 tenants per request), queues ten jobs per
request and moves each schedule on with one conditional write. One invocation handles at most ``PAGE``
schedules: the rest goes through the report queue as *pages*, each continuing one shard where the previous
stopped (the report worker, ``generation``, runs them).

Each job queued is recorded as a *run* (``stores.runs``), watched until its mail exists; the watchdog
(``reports/watchdog.py``) re-queues a run the scheduler missed or a job that is stuck, once.

Integrations and time-zone changes keep the items in step (``reports/schedules.py``).
"""

from datetime import datetime, timedelta
from typing import Any, cast

from chalicelib import clock
from chalicelib.aws import due_index, queue, report_schedules_repo, tenants_repo
from chalicelib.aws.report_schedules_repo import Due
from chalicelib.aws.runs_repo import DynamoRuns
from chalicelib.models.runs import Run, run_id
from chalicelib.models.tenants import Tenant
from chalicelib.observability import count, logger
from chalicelib.reports.periods import (
    Frequency,
    Period,
    next_report_time,
    periods_ended_between,
    report_id,
    report_time,
)
from chalicelib.settings import get_settings
from chalicelib.stores.runs import RunStore

PAGE = 1000  # schedules one invocation handles; each makes one job (more after a scheduler outage: CATCH_UP)
# the oldest missed period still queued: 35 dailies, 5 weeklies, a monthly or two; older ones are logged at ERROR
CATCH_UP = timedelta(days=35)
SHARD = "schedule_shard"  # a page message's marker


def job(tenant: Tenant, period: Period, hour: int = 0) -> dict[str, Any]:
    """The report-queue message for one (tenant, frequency, period), for the integrations whose report hour is
    ``hour`` (the report is rendered once, by the first of them)."""
    return {"tenant_id": tenant.id, "frequency": period.frequency, "timezone": tenant.timezone,
            "period_key": period.key, "report_hour": hour}


def run_job(run: Run) -> dict[str, Any]:
    """The report-queue message of ``run``: :func:`job` for its tenant, period and hour (the scheduler's, and the
    watchdog's when it queues the run again)."""
    return {"tenant_id": run.tenant_id, "frequency": run.frequency, "timezone": run.timezone,
            "period_key": run.period_key, "report_hour": run.report_hour}


def queued_run(tenant: Tenant, period: Period, hour: int, now: datetime) -> tuple[Run, datetime]:
    """The run of a job queued at ``now``, and the end of its watch: the report time (or ``now``, if later) plus
    ``report_watchdog_hours``."""
    due, report = report_time(period, hour), report_id(period)
    run = Run(id=run_id(report, hour), tenant_id=tenant.id, report_id=report,
              frequency=period.frequency, period_key=period.key, timezone=period.timezone, report_hour=hour,
              report_time=due, queued_at=now)
    return run, clock.shift(max(due, now), timedelta(hours=get_settings().report_watchdog_hours))


def _page(shard: str, now: datetime, start: dict[str, Any] | None) -> dict[str, Any]:
    return {SHARD: shard, "now": now.isoformat(), "start": start}


def owed_since(item: Due, lookback: datetime, now: datetime) -> datetime:
    """After which instant the schedule's ended periods are owed: the look-back, or earlier, from its ``due_at``
    (the end of the first period it has not queued) when the scheduler missed that; never more than
    ``CATCH_UP`` back (logged). A schedule due at once (new, or in a new time zone) owes only the look-back."""
    if item.due_at == report_schedules_repo.AT_ONCE:
        return lookback
    owed = min(lookback, clock.shift(datetime.fromisoformat(item.due_at), -timedelta(seconds=1)))
    oldest = clock.shift(now, -CATCH_UP)
    if owed < oldest:
        count("ReportPeriodsNotCaughtUp")
        logger.error("report periods missed longer ago than the catch-up bound are not queued",
                     extra={"tenant_id": item.tenant_id, "frequency": item.frequency, "due_at": item.due_at,
                            "catch_up_days": CATCH_UP.days})
        return oldest
    return owed


def queue_due(due: list[Due], now: datetime, runs: RunStore) -> list[Run]:
    """Queue the jobs of the due schedules, then move each to the end of its current period; returns their runs.
    Recorded, then queued, then moved: a stop in between queues them again next hour, which the report claims
    absorb."""
    tenants = {tenant.id: tenant for tenant in tenants_repo.get_many({item.tenant_id for item in due})}
    lookback = clock.shift(now, -timedelta(hours=get_settings().report_lookback_hours))
    started: list[tuple[Run, datetime]] = []
    moves: list[tuple[Due, datetime]] = []
    for item in due:
        tenant = tenants.get(item.tenant_id)
        if tenant is None:  # deleted: its data goes with it, this item too
            report_schedules_repo.remove(item.tenant_id, item.frequency, hour=item.hour)
            continue
        frequency = cast(Frequency, item.frequency)
        periods = periods_ended_between(frequency, tenant.timezone, owed_since(item, lookback, now), now, item.hour)
        started += [queued_run(tenant, period, item.hour, now) for period in periods]
        moves.append((item, next_report_time(frequency, tenant.timezone, item.hour, now)))
    jobs = [run_job(run) for run, _ in started]
    # the scheduler did not run for a while (an upgrade, an outage): caught up, not skipped
    if late := sum(run.report_time <= lookback for run, _ in started):
        count("ReportPeriodsCaughtUp", late)
        logger.warning("report periods that ended before the look-back queued late", extra={"periods": late})
    runs.queued(started)
    queue.send_all(get_settings().report_queue, [(body, 0) for body in jobs])
    report_schedules_repo.advance(moves)
    if jobs:
        count("ReportJobsQueued", len(jobs))
    return [run for run, _ in started]


def schedule(now: datetime) -> dict[str, int]:
    """The hourly scheduler: up to ``PAGE`` due schedules here; each shard's rest as a page on the report queue."""
    budget, jobs, pages = PAGE, 0, []
    for shard in due_index.shards(report_schedules_repo.SHARD_PREFIX):
        if budget == 0:
            pages.append(_page(shard, now, None))
            continue
        due, more = report_schedules_repo.due_page(shard, now, budget)
        jobs, budget = jobs + len(queue_due(due, now, DynamoRuns())), budget - len(due)
        if more:
            pages.append(_page(shard, now, more))
    queue.send_all(get_settings().report_queue, [(page, 0) for page in pages])
    logger.info("report jobs queued", extra={"jobs": jobs, "pages": len(pages)})
    return {"jobs": jobs, "pages": len(pages)}


def schedule_page(body: dict[str, Any]) -> int:
    """One page of a busy hour: up to ``PAGE`` due schedules of one shard, then the next page if there is more."""
    now = datetime.fromisoformat(body["now"])
    due, more = report_schedules_repo.due_page(body[SHARD], now, PAGE, body["start"])
    jobs = len(queue_due(due, now, DynamoRuns()))
    if more:
        queue.send(get_settings().report_queue, _page(body[SHARD], now, more))
    logger.info("report jobs queued", extra={"jobs": jobs, "more": bool(more)})
    return jobs
