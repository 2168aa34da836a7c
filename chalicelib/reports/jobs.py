"""The hourly report scheduler (the report worker is :mod:`chalicelib.reports.generation`).

:func:`schedule`: for every tenant with an active integration subscribed to ``report_<frequency>``, every period
that ended in the last ``report_lookback_hours`` in the tenant's time zone becomes one job on the report queue
(ids, not documents). The look-back makes a late or missed firing harmless; the worker's claims make a repeated
one harmless.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from chalicelib import clock
from chalicelib.aws import integrations_repo, queue, tenants_repo
from chalicelib.models.tenants import Tenant
from chalicelib.observability import count, logger
from chalicelib.reports.periods import FREQUENCIES, Period, periods_ended_between
from chalicelib.settings import get_settings


def job(tenant: Tenant, period: Period) -> dict[str, str]:
    """The report-queue message for one (tenant, frequency, period)."""
    return {"tenant_id": tenant.id, "frequency": period.frequency, "timezone": tenant.timezone,
            "period_key": period.key}


def due_jobs(now: datetime) -> list[dict[str, str]]:
    """Every (tenant, frequency, period) with subscribers whose period ended in the look-back window."""
    since = clock.shift(now, -timedelta(hours=get_settings().report_lookback_hours))
    wanted: dict[str, set[str]] = defaultdict(set)
    for integration in integrations_repo.all_active():
        for frequency in FREQUENCIES:
            if integration.subscribes(f"report_{frequency}"):
                wanted[integration.tenant_id].add(frequency)
    jobs = []
    for tenant_id, frequencies in sorted(wanted.items()):
        tenant = tenants_repo.get(tenant_id)
        if tenant is None:
            continue
        for frequency in (f for f in FREQUENCIES if f in frequencies):
            jobs += [job(tenant, period) for period in periods_ended_between(frequency, tenant.timezone, since, now)]
    return jobs


def schedule(now: datetime) -> dict[str, int]:
    """The hourly scheduler: one report-queue message per due job."""
    jobs = due_jobs(now)
    for job in jobs:
        queue.send(get_settings().report_queue, job)
    if jobs:
        count("ReportJobsQueued", len(jobs))
    logger.info("report jobs queued", extra={"jobs": len(jobs)})
    return {"jobs": len(jobs)}
