"""The hourly report scheduler: queues a job for every (tenant, frequency, period) that just ended.

A schedule item per subscribed (tenant, frequency) says when it is next due (``aws/report_schedules_repo``):
the end of its current period in the tenant's time zone. Each hour the scheduler reads only the due ones, and
for each queues every period that ended in the last ``report_lookback_hours`` (so a late or missed firing is
harmless; the report claims make a repeated one harmless) and moves it to its next period's end. A quiet
hour is one Query per shard; a busy one reads what is due (100 tenants per request), queues ten jobs per
request and moves each schedule on with one conditional write. One invocation handles at most ``PAGE``
schedules: the rest goes through the report queue as *pages*, each continuing one shard where the previous
stopped (the report worker, ``generation``, runs them).

Integrations and time-zone changes keep the items in step (``reports/schedules.py``).
"""

from datetime import datetime, timedelta
from typing import Any, cast

from chalicelib import clock
from chalicelib.aws import due_index, queue, report_schedules_repo, tenants_repo
from chalicelib.aws.report_schedules_repo import Due
from chalicelib.models.tenants import Tenant
from chalicelib.observability import count, logger
from chalicelib.reports.periods import Frequency, Period, period_containing, periods_ended_between
from chalicelib.settings import get_settings

PAGE = 1000  # schedules one invocation handles; each makes one job (two if two periods ended in the look-back)
SHARD = "schedule_shard"  # a page message's marker


def job(tenant: Tenant, period: Period) -> dict[str, str]:
    """The report-queue message for one (tenant, frequency, period)."""
    return {"tenant_id": tenant.id, "frequency": period.frequency, "timezone": tenant.timezone,
            "period_key": period.key}


def _page(shard: str, now: datetime, start: dict[str, Any] | None) -> dict[str, Any]:
    return {SHARD: shard, "now": now.isoformat(), "start": start}


def _handle(due: list[Due], now: datetime) -> int:
    """Queue the jobs of the due schedules, then move each to the end of its current period; returns the jobs.
    Queued before moved: a stop in between queues them again next hour, which the report claims absorb."""
    tenants = {tenant.id: tenant for tenant in tenants_repo.get_many({item.tenant_id for item in due})}
    since = clock.shift(now, -timedelta(hours=get_settings().report_lookback_hours))
    jobs: list[dict[str, str]] = []
    moves: list[tuple[Due, datetime]] = []
    for item in due:
        tenant = tenants.get(item.tenant_id)
        if tenant is None:  # deleted: its data goes with it, this item too
            report_schedules_repo.remove(item.tenant_id, item.frequency)
            continue
        frequency = cast(Frequency, item.frequency)
        jobs += [job(tenant, period) for period in periods_ended_between(frequency, tenant.timezone, since, now)]
        moves.append((item, period_containing(frequency, tenant.timezone, now).end))
    queue.send_all(get_settings().report_queue, [(body, 0) for body in jobs])
    report_schedules_repo.advance(moves)
    if jobs:
        count("ReportJobsQueued", len(jobs))
    return len(jobs)


def schedule(now: datetime) -> dict[str, int]:
    """The hourly scheduler: up to ``PAGE`` due schedules here; each shard's rest as a page on the report queue."""
    budget, jobs, pages = PAGE, 0, []
    for shard in due_index.shards(report_schedules_repo.SHARD_PREFIX):
        if budget == 0:
            pages.append(_page(shard, now, None))
            continue
        due, more = report_schedules_repo.due_page(shard, now, budget)
        jobs, budget = jobs + _handle(due, now), budget - len(due)
        if more:
            pages.append(_page(shard, now, more))
    queue.send_all(get_settings().report_queue, [(page, 0) for page in pages])
    logger.info("report jobs queued", extra={"jobs": jobs, "pages": len(pages)})
    return {"jobs": jobs, "pages": len(pages)}


def schedule_page(body: dict[str, Any]) -> int:
    """One page of a busy hour: up to ``PAGE`` due schedules of one shard, then the next page if there is more."""
    now = datetime.fromisoformat(body["now"])
    due, more = report_schedules_repo.due_page(body[SHARD], now, PAGE, body["start"])
    jobs = _handle(due, now)
    if more:
        queue.send(get_settings().report_queue, _page(body[SHARD], now, more))
    logger.info("report jobs queued", extra={"jobs": jobs, "more": bool(more)})
    return jobs
