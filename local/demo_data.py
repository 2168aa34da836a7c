"""Demo security data for the local stack, so a preview or a scheduled report shows a real-looking report.

``seed(tenant_id, now)`` writes made-up attacks (hourly aggregates), vulnerabilities and incidents for the
``days`` local days before ``now`` (default 8: a daily and a weekly report; about 1 s per day on moto) through
the same repository functions that ingest uses.

To wire into ``make run`` (local/stack.py): call ``demo_data.seed(demo.tenant.id, clock.now())`` after the demo
tenant is created, and add two loops beside the delivery poller::

    Loop("report-queue", loops.queue_poller(lambdas, settings.report_queue, "report_worker")),
    Loop("report-scheduler", loops.schedule(lambdas, "report_scheduler", 3600)),
"""

from datetime import datetime

from chalicelib.aws import security_repo
from chalicelib.reports.content import demo_security_data
from chalicelib.reports.periods import period_containing


def seed(tenant_id: str, now: datetime, timezone: str = "UTC", days: int = 8, seed: int = 7) -> dict[str, int]:
    """Demo data for each of the ``days`` complete local days before ``now``; returns what was written."""
    written = {"hours": 0, "vulnerabilities": 0, "incidents": 0}
    day = period_containing("daily", timezone, now)
    for _ in range(days):
        day = day.previous()
        data = demo_security_data(day, vulnerabilities=3, incidents=1, seed=seed)
        for aggregate in data.aggregates:
            security_repo.add_aggregate(tenant_id, aggregate)
        for vulnerability in data.vulnerabilities:
            unique = vulnerability.model_copy(update={"id": f"demo-{day.key}-{vulnerability.id}"})
            written["vulnerabilities"] += security_repo.record_vulnerability(tenant_id, unique)
        for incident in data.incidents:
            unique = incident.model_copy(update={"id": f"demo-{day.key}-{incident.id}"})
            written["incidents"] += security_repo.record_incident(tenant_id, unique)
        written["hours"] += len(data.aggregates)
    return written

