"""SLA reminders: each week, every active integration that opted in (``sla_reminders``) gets one mail listing the
tenant's vulnerabilities open past their risk's SLA at the week's end, by the reports' own overdue rule
(:func:`~chalicelib.reports.content.overdue_rows`); none when nothing is overdue.

They ride the weekly report job (an opted-in integration keeps the tenant's weekly schedule,
``reports/schedules.py``), so the week ends at the tenant's local Monday midnight whatever DST does, and the list
matches the weekly report's overdue figure. The delivery id comes from the week and the integration, so a repeated
job makes no second mail; the mails of one integration share one thread (``email/threads.py``).
"""

from dataclasses import replace

from chalicelib.delivery import outbox
from chalicelib.email import reminders as mails
from chalicelib.email import threads
from chalicelib.models.integrations import Integration
from chalicelib.models.security import Vulnerability
from chalicelib.models.tenants import Tenant
from chalicelib.observability import count, logger
from chalicelib.reports.content import overdue_rows
from chalicelib.reports.periods import Period

EVENT_TYPE = "sla_reminder"  # the delivery log's event type


def reminded(integrations: list[Integration]) -> list[Integration]:
    """The integrations that take SLA reminders now."""
    return [integration for integration in integrations if integration.active and integration.sla_reminders]


def remind(tenant: Tenant, week: Period, integrations: list[Integration],
           vulnerabilities: list[Vulnerability]) -> int:
    """One reminder per integration of ``integrations`` (those that take them) when any of ``vulnerabilities`` (the
    tenant's, open at the week's end) is overdue then; returns the deliveries made."""
    sla = tenant.sla_days.model_dump()
    rows = overdue_rows(vulnerabilities, week.end, sla, week.timezone)
    if not rows or not integrations:
        return 0
    content = mails.mail(tenant.name, rows, week.end, week.timezone, sla)
    for integration in integrations:
        threaded = replace(content, thread=threads.sla_reminders(tenant.id, integration.id))
        outbox.enqueue(integration, threaded, week.end, f"sla-reminder:{week.key}", kind="reminder",
                       event_type=EVENT_TYPE)
    count("SlaRemindersQueued", len(integrations))
    logger.info("SLA reminders queued", extra={"tenant_id": tenant.id, "week": week.key, "overdue": len(rows),
                                                "deliveries": len(integrations)})
    return len(integrations)
