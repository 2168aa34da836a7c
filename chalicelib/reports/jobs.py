"""Scheduled reports: the hourly scheduler, the report worker and previews.

- :func:`schedule` (hourly): for every tenant with an active integration subscribed to ``report_<frequency>``,
  every period that ended in the last ``report_lookback_hours`` in the tenant's time zone becomes one job on
  the report queue (ids, not documents). The look-back makes a late or missed firing harmless; the claims
  below make a repeated one harmless.
- :func:`run` (report worker, one job): :func:`generate` renders the PDF once per (tenant, frequency, period)
  into S3 and records it; then each active subscribed integration is *claimed* with a conditional write and
  gets one delivery through the delivery pipeline (retries, dead letters, delivery log). The delivery id is
  derived from the report and the integration, so a worker that stops between claim and enqueue is finished
  by the next job without a second email.
- :func:`preview` renders a period now (also an incomplete one, marked ``partial``) under ``previews/`` for a
  download link.
"""

import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.aws import blobs, integrations_repo, queue, reports_repo, security_repo, tenants_repo
from chalicelib.delivery import outbox
from chalicelib.email import templates
from chalicelib.email.message import Attachment, Content
from chalicelib.models.integrations import Integration
from chalicelib.models.reports import Report, ReportDownload, ReportFigure
from chalicelib.models.tenants import Tenant
from chalicelib.observability import count, logger, milliseconds
from chalicelib.reports import links
from chalicelib.reports.content import Figure, ReportData, build_report, demo_security_data
from chalicelib.reports.periods import (
    FREQUENCIES,
    Frequency,
    Period,
    last_complete,
    period_containing,
    period_ending_on,
    period_from_key,
    periods_ended_between,
)
from chalicelib.settings import get_settings


def report_id(period: Period) -> str:
    """``20261125T0800Z-daily-2026-11-24``: sorts by the period's end (UTC), readable, URL-safe."""
    return f"{period.end:%Y%m%dT%H%M}Z-{period.frequency}-{period.key}"


def object_key(tenant_id: str, period: Period) -> str:
    return f"reports/{tenant_id}/{period.frequency}/{period.key}.pdf"


def _figures(data: ReportData) -> list[ReportFigure]:
    figures = [ReportFigure(name="attacks", label="Attacks", value=data.attacks.value, previous=data.attacks.previous),
               ReportFigure(name="hits", label="Hits", value=data.hits.value, previous=data.hits.previous),
               ReportFigure(name="incidents", label="Incidents", value=data.incidents.value,
                            previous=data.incidents.previous)]
    figures += [ReportFigure(name=f"open_{risk}", label=f"Open {risk}-risk vulnerabilities", value=figure.value,
                             previous=figure.previous) for risk, figure in data.open_vulnerabilities.items()]
    return figures


def _render(tenant: Tenant, period: Period) -> tuple[ReportData, bytes]:
    from chalicelib.reports import pdf  # fpdf2 only where reports are rendered, not in every API cold start

    current = security_repo.read(tenant.id, period.start, period.end)
    before = period.previous()  # its vulnerability backlog is in current's records (their history)
    previous = security_repo.read(tenant.id, before.start, before.end, vulnerabilities=False)
    now = clock.now()
    data = build_report(tenant.name, period, current, previous, generated_at=now, partial=period.end > now,
                        sla_days=tenant.sla_days.model_dump())
    started = time.perf_counter()
    document = pdf.render(data, get_settings().product_name)
    milliseconds("ReportRenderTime", (time.perf_counter() - started) * 1000)
    return data, document


def _report(tenant: Tenant, period: Period, key: str, data: ReportData, size: int, rid: str) -> Report:
    from chalicelib.reports import pdf

    return Report(id=rid, tenant_id=tenant.id, frequency=period.frequency, period_key=period.key,
                  period_label=pdf.period_label(data), timezone=period.timezone, first_day=period.first_day,
                  last_day=period.last_day, period_start=period.start, period_end=period.end,
                  generated_at=clock.now(), size_bytes=size, empty=data.is_empty, partial=data.partial,
                  figures=_figures(data), object_key=key)


def generate(tenant: Tenant, period: Period) -> Report:
    """The report of ``period``: rendered and stored the first time, read back every later time."""
    rid = report_id(period)
    if existing := reports_repo.get(tenant.id, rid):
        return existing
    data, document = _render(tenant, period)
    key = object_key(tenant.id, period)
    blobs.put(key, document)
    report = _report(tenant, period, key, data, len(document), rid)
    if not reports_repo.create(report):  # a concurrent worker stored it first: use theirs
        return reports_repo.get(tenant.id, rid) or report
    count("ReportsRendered")
    return report


def _size(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:,.1f} MB"


def _change(figure: ReportFigure, noun: str) -> str:
    delta = figure.value - figure.previous
    if delta == 0:
        return f"no change vs previous {noun}"
    percent = f", {'+' if delta > 0 else '-'}{Figure(value=figure.value, previous=figure.previous).percent_words}" \
        if figure.previous else ""
    return f"{delta:+,}{percent} vs previous {noun}"


def email(tenant: Tenant, report: Report, link: str | None = None, link_expires: datetime | None = None,
          test: bool = False) -> Content:
    """The report email: headline figures, and either the attachment (added by the worker) or a link."""
    settings = get_settings()
    noun = {"daily": "day", "weekly": "week", "monthly": "month"}[report.frequency]
    subject = f"{report.frequency.capitalize()} security report: {report.period_label}"
    figures = [{"label": f.label, "value": f"{f.value:,}", "change": _change(f, noun)} for f in report.figures]
    expires = link_expires.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if link_expires else None
    html, text = templates.render(
        "report", subject=subject, product=settings.product_name, tenant_name=tenant.name,
        console_url=settings.console_url, when=f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC", test=test,
        headline=f"{report.frequency.capitalize()} security report", period_label=report.period_label,
        timezone=report.timezone, noun=noun, empty=report.empty, figures=figures, link=link, link_expires=expires,
        size=_size(report.size_bytes))
    return Content(subject, html, text)


def subscribers(tenant_id: str, frequency: str) -> list[Integration]:
    return [i for i in integrations_repo.all_for_tenant(tenant_id) if i.active and i.subscribes(f"report_{frequency}")]


def _mail(tenant: Tenant, report: Report) -> tuple[Content, str | None]:
    """The report's email and the S3 key of its attachment, or, above the attachment limit, no attachment and
    a link (one for all the report's integrations)."""
    if report.size_bytes > get_settings().report_attachment_limit_bytes:
        return email(tenant, report, *links.email_link(report)), None
    return email(tenant, report), report.object_key


def deliver(tenant: Tenant, report: Report) -> int:
    """One delivery per active subscribed integration that has not had this report; returns how many."""
    mail: tuple[Content, str | None] | None = None
    sent = 0
    for integration in subscribers(tenant.id, report.frequency):
        if not reports_repo.claim(report, integration.id, clock.now()):
            continue
        if mail is None:  # made on the first claim: a repeated job for a delivered report makes no link
            mail = _mail(tenant, report)
        content, attachment = mail
        delivery = outbox.enqueue(integration, content, report.period_end, f"report:{report.id}", kind="report",
                                  event_type=f"report_{report.frequency}", attachment_key=attachment)
        reports_repo.mark_enqueued(report, integration.id, delivery.id)
        sent += 1
    logger.info("report delivered", extra={"tenant_id": tenant.id, "report_id": report.id, "deliveries": sent})
    return sent


# --- scheduler and worker -----------------------------------------------------------------------


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


def run(job: dict[str, Any]) -> int:
    """One report job: render (once) and deliver (once per integration); returns the deliveries created."""
    tenant = tenants_repo.get(job["tenant_id"])
    if tenant is None:
        return 0
    frequency: Frequency = job["frequency"]
    if not subscribers(tenant.id, frequency):
        return 0
    period = period_from_key(frequency, job["timezone"], job["period_key"])
    return deliver(tenant, generate(tenant, period))


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Report jobs arrive one per invocation; a failed job fails the invocation, so SQS tries it again
    (and after ``maxReceiveCount`` moves it to the dead-letter queue) even without partial batch responses."""
    return queue.process_batch(event, context, run, whole_batch_fails=True)


# --- previews -----------------------------------------------------------------------------------


def preview_period(tenant: Tenant, frequency: Frequency, period_end: date | None, now: datetime) -> Period:
    """The period a preview shows. ``period_end`` (a local day) must lie from today minus the data retention to
    the last day of the current period (which may be previewed incomplete), and end a period; else ``ValueError``."""
    if period_end is None:
        return last_complete(frequency, tenant.timezone, now)
    current = period_containing(frequency, tenant.timezone, now)
    if period_end > current.last_day:
        raise ValueError(f"the {current.noun} ending {period_end.isoformat()} has not started yet; the current "
                         f"{current.noun} ends on {current.last_day.isoformat()}")
    retention = get_settings().security_retention_days
    today = clock.local(now, tenant.timezone).date()
    earliest = today - timedelta(days=min(retention, (today - date.min).days))
    if period_end < earliest:
        raise ValueError(f"{period_end.isoformat()} is older than the {retention} days of data kept; "
                         f"choose a day from {earliest.isoformat()} on")
    return period_ending_on(frequency, tenant.timezone, period_end)


def preview(tenant: Tenant, period: Period) -> ReportDownload:
    """Render ``period`` now (not stored as a report, not sent) and return an expiring link to the PDF."""
    now = clock.now()
    data, document = _render(tenant, period)
    rid = f"preview-{now:%Y%m%dT%H%M%S}-{period.frequency}-{period.key}"
    key = f"previews/{tenant.id}/{rid}.pdf"
    blobs.put(key, document)
    return links.download(tenant, _report(tenant, period, key, data, len(document), rid))


# --- Test integration ---------------------------------------------------------------------------


def sample(tenant: Tenant, frequency: Frequency, now: datetime) -> Content:
    """A sample report email for Test integration: made-up data for the last complete period, the PDF
    attached directly (nothing stored, nothing counted); the caller adds the ``[Test message]`` prefix."""
    from chalicelib.reports import pdf

    period = last_complete(frequency, tenant.timezone, now)
    current = demo_security_data(period, vulnerabilities=12, incidents=4)
    previous = demo_security_data(period.previous(), vulnerabilities=10, incidents=5, seed=8)
    data = build_report(tenant.name, period, current, previous, generated_at=now,
                        sla_days=tenant.sla_days.model_dump())
    document = pdf.render(data, get_settings().product_name)
    report = _report(tenant, period, "", data, len(document), f"sample-{frequency}-{period.key}")
    content = email(tenant, report, test=True)
    return Content(content.subject, content.html, content.text,
                   (Attachment(f"sample-{frequency}-report-{period.key}.pdf", document),))
