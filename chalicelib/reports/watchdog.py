"""The report watchdog: a run still without its mail ``report_watchdog_hours`` after its report time (the
integrations' report hour, not the period's end) is queued again, once; the tenant's ``system`` subscribers are told
once, and each counts in ``ReportRunsLate`` (alarmed: docs/operations.md#late-reports).

- *missing*: the scheduler left its schedule due (it did not run, was throttled or failed): the schedules due since
  before the watch are queued here as the scheduler would (``scheduler.queue_due``, which also moves them on);
- *stuck*: its job was queued but its deliveries do not exist (a poison job in the dead-letter queue, a throttled
  worker): its watch ended (``stores.runs.late``). Re-queued once; late again, it is given up (``ReportRunsGivenUp``,
  no second notice: the alarm and the run's listing say it).

It rides the 5-minute health check, a function apart from the scheduler, so an outage of the one is seen by the
other. A quiet pass is one keys-only Query per shard of each index; the report claims keep every mail to one.
"""

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib import clock
from chalicelib.aws import queue
from chalicelib.models.runs import Lateness, Run
from chalicelib.observability import count, logger
from chalicelib.reports import scheduler
from chalicelib.settings import get_settings
from chalicelib.stores import Stores

LATE_METRIC = "ReportRunsLate"
LATE_REPORTS_LISTED = 20  # a notice lists this many late reports, then says how many more


def _hours() -> timedelta:
    return timedelta(hours=get_settings().report_watchdog_hours)


def stuck(stores: Stores, now: datetime) -> list[Run]:
    """The runs whose watch ended and that were never re-queued, to queue again; those re-queued before are given
    up, and those of a deleted tenant (its data goes with it) dropped."""
    late = stores.runs.late(now)
    live = {tenant_id for tenant_id in {run.tenant_id for run in late} if stores.tenants.get(tenant_id)}
    again: list[Run] = []
    for run in late:
        if run.tenant_id in live and run.requeued_at is None:
            again.append(run)
            continue
        stores.runs.give_up(run.tenant_id, run.id)
        if run.tenant_id not in live:
            continue
        count("ReportRunsGivenUp")
        logger.error("report run late again after its re-queue: given up", extra={
            "tenant_id": run.tenant_id, "run_id": run.id})
    return again


def requeued(stores: Stores, runs: list[Run], late: Lateness, now: datetime) -> list[Run]:
    """Mark ``runs`` re-queued (their jobs are queued: a stop in between leaves them to the next pass), each
    watched anew from ``now``; returns those this pass marked first, whose tenants are to be told."""
    watch = clock.shift(now, _hours())
    return [run for run in runs if stores.runs.requeue(run.tenant_id, run.id, now, late, watch)]


def missing(stores: Stores, now: datetime) -> list[Run]:
    """Queue what the scheduler left due since before the watch; returns the runs it owed late (re-queued). A
    schedule due at once (new, or placed anew) owes nothing late: not read."""
    since = clock.shift(now, -_hours())
    if not (due := stores.schedules.overdue(since, scheduler.PAGE)):  # at most a scheduler's page per pass
        return []
    queued = scheduler.queue_due(due, now, stores.runs)
    return requeued(stores, [run for run in queued if run.report_time <= since], "missing", now)


def describe(run: Run) -> str:
    """``Daily report 2026-12-09, due 2026-12-10 08:00 (Europe/Berlin)``."""
    due = clock.local(run.report_time, run.timezone)
    return f"{run.frequency.capitalize()} report {run.period_key}, due {due:%Y-%m-%d %H:%M} ({run.timezone})"


def notices(runs: list[Run]) -> dict[str, dict[str, Any]]:
    """Per tenant, the data of its one notice about ``runs``: the reports, oldest first (the first
    ``LATE_REPORTS_LISTED``, then how many more)."""
    by_tenant: dict[str, list[Run]] = defaultdict(list)
    for run in sorted(runs, key=lambda run: (run.report_time, run.id)):
        by_tenant[run.tenant_id].append(run)
    found: dict[str, dict[str, Any]] = {}
    for tenant_id, late in by_tenant.items():
        listed = [describe(run) for run in late[:LATE_REPORTS_LISTED]]
        if len(late) > LATE_REPORTS_LISTED:
            listed.append(f"and {len(late) - LATE_REPORTS_LISTED} more")
        found[tenant_id] = {"reports": listed, "hours": get_settings().report_watchdog_hours}
    return found


def _notice_id(runs: list[Run]) -> str:
    """One notice per set of runs, so a repeated pass (the health check's retry) tells nobody twice."""
    return hashlib.sha256(",".join(sorted(run.id for run in runs)).encode()).hexdigest()[:32]


class Tell(Protocol):
    """How a notice reaches the tenant's ``system`` subscribers: ``events.ingest.emit``, a layer above (app.py)."""

    def __call__(self, stores: Stores, tenant_id: str, event_type: str, data: dict[str, Any], *,
                 event_id: str) -> None: ...


def check(stores: Stores, now: datetime, tell: Tell) -> dict[str, int]:
    """The watchdog's pass: stuck runs first (a run queued late below is watched from now), then missing ones."""
    again = stuck(stores, now)
    queue.send_all(get_settings().report_queue, [(scheduler.run_job(run), 0) for run in again])
    late = requeued(stores, again, "stuck", now) + missing(stores, now)
    if not late:
        return {"late_runs": 0}
    count(LATE_METRIC, len(late))
    logger.warning("late report runs queued again", extra={"runs": [f"{run.tenant_id}/{run.id}" for run in late]})
    for tenant_id, data in notices(late).items():
        tell(stores, tenant_id, "report.late", data,
             event_id="report-late:" + _notice_id([run for run in late if run.tenant_id == tenant_id]))
    return {"late_runs": len(late)}
