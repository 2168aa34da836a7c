"""Demo security data for the local stack, so a preview or a scheduled report shows a real-looking report.

``seed(tenant_id, now)`` writes made-up attacks (hourly aggregates: by type, host, source IP and country,
endpoint, and how many were blocked), vulnerabilities (each with a life: found, fixed, dismissed as false
positive, reopened, some open past their SLA) and incidents for the
``days`` local days before ``now``: the hours in batch puts of the items ingest's counters would leave, the
vulnerabilities and incidents through the repository functions ingest uses; ``first_report`` then queues last
week's report so the outbox shows one right away.
"""

import threading
from datetime import datetime

from chalicelib.aws import queue, security_attacks, security_repo
from chalicelib.aws.runs_repo import DynamoRuns
from chalicelib.models.tenants import Tenant
from chalicelib.reports import scheduler
from chalicelib.reports.demo import demo_security_data
from chalicelib.reports.periods import last_complete, period_containing
from chalicelib.settings import get_settings


def seed(tenant_id: str, now: datetime, timezone: str = "UTC", days: int = 8, seed: int = 7,
         stop: threading.Event | None = None) -> dict[str, int]:
    """Demo data for each of the ``days`` complete local days before ``now`` (until ``stop`` is set);
    returns what was written."""
    written = {"hours": 0, "vulnerabilities": 0, "incidents": 0}
    day = period_containing("daily", timezone, now)
    for _ in range(days):
        if stop is not None and stop.is_set():
            break
        day = day.previous()
        data = demo_security_data(day, vulnerabilities=3, incidents=1, seed=seed)
        security_attacks.put_hours(tenant_id, data.aggregates)  # new hours: puts in batches, not one ADD each
        for vulnerability in data.vulnerabilities:
            unique = vulnerability.model_copy(update={"id": f"demo-{day.key}-{vulnerability.id}"})
            written["vulnerabilities"] += security_repo.put_vulnerability(tenant_id, unique)
        for incident in data.incidents:
            unique = incident.model_copy(update={"id": f"demo-{day.key}-{incident.id}"})
            written["incidents"] += security_repo.record_incident(tenant_id, unique)
        written["hours"] += len(data.aggregates)
    return written



def first_report(tenant: Tenant, now: datetime) -> None:
    """Queue the last complete week's report, as the hourly scheduler would have done on Monday: its run recorded
    first, so the Reports page shows its stages and recipients."""
    week = last_complete("weekly", tenant.timezone, now)
    run, watch_at = scheduler.queued_run(tenant, week, 0, now)
    DynamoRuns().queued([(run, watch_at)])
    queue.send(get_settings().report_queue, scheduler.run_job(run))
