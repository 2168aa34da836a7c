"""The report worker: render a period's report once, store it, and deliver it once per subscribed integration.

- :func:`run` (one job from the report queue): :func:`generate` renders the PDF once per (tenant, frequency,
  period) into S3 and records it; then each active subscribed integration whose report hour is the job's (or the
  one a send-now names) is *claimed* with a conditional write
  and gets one delivery through the delivery pipeline (retries, dead letters, delivery log). The delivery id is
  derived from the report and the integration, so a worker that stops between claim and enqueue is finished
  by the next job without a second email.
- :func:`preview` renders a period now (also an incomplete one, marked ``partial``) under ``previews/``;
  :func:`sample` renders made-up data for Test integration.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from chalicelib import clock
from chalicelib.aws import blobs, integrations_repo, queue, reports_repo, security_repo, tenants_repo
from chalicelib.aws.rollups_repo import DynamoRollupStore
from chalicelib.aws.runs_repo import DynamoRuns
from chalicelib.delivery import outbox
from chalicelib.email import reports as mails
from chalicelib.email import threads
from chalicelib.email.message import Content
from chalicelib.models.integrations import Integration
from chalicelib.models.report_data import PreviewFormat, ReportPreview
from chalicelib.models.reports import Report, ReportFigure, filename
from chalicelib.models.runs import run_id
from chalicelib.models.security import SecurityData
from chalicelib.models.tenants import Tenant
from chalicelib.models.trends import TrendPoint
from chalicelib.observability import count, logger, milliseconds
from chalicelib.reports import data_files, links, protection, reminders, scheduler, trends
from chalicelib.reports.content import INCIDENT_LOOK_BACK, ReportData, build_report
from chalicelib.reports.demo import demo_security_data
from chalicelib.reports.periods import Frequency, Period, last_complete, period_from_key, report_id
from chalicelib.settings import get_settings


def object_key(tenant: Tenant, period: Period) -> str:
    """``reports/<tenant>/<frequency>/<period>/<download name>``: the mail's attachment takes the key's last part,
    so it is named as the download is (company, frequency, period)."""
    name = filename(tenant.name, period.frequency, period.key)
    return f"reports/{tenant.id}/{period.frequency}/{period.key}/{name}"


def _figures(data: ReportData) -> list[ReportFigure]:
    figures = [ReportFigure(name="attacks", label="Attacks", value=data.attacks.value, previous=data.attacks.previous),
               ReportFigure(name="hits", label="Hits", value=data.hits.value, previous=data.hits.previous),
               ReportFigure(name="incidents", label="Incidents", value=data.incidents.value,
                            previous=data.incidents.previous)]
    figures += [ReportFigure(name=f"open_{risk}", label=f"Open {risk}-risk vulnerabilities", value=figure.value,
                             previous=figure.previous) for risk, figure in data.open_vulnerabilities.items()]
    return figures


def content_of(tenant: Tenant, period: Period) -> ReportData:
    """What the report of ``period`` says, from the stored security data, as of now."""
    current = security_repo.read(tenant.id, period.start, period.end, open_since=period.start - INCIDENT_LOOK_BACK)
    before = period.previous()  # its vulnerability backlog is in current's records (their history)
    previous = security_repo.read(tenant.id, before.start, before.end, vulnerabilities=False)
    now = clock.now()
    data = build_report(tenant.name, period, current, previous, generated_at=now, partial=period.end > now,
                        sla_days=tenant.sla_days.model_dump())
    return data.model_copy(update={"trends": _trends(tenant, period, current, now)})


def _trends(tenant: Tenant, period: Period, current: SecurityData, now: datetime) -> list[TrendPoint]:
    """The report's trends: monthly from the rollups (written here when missing), else from one read."""
    sla = tenant.sla_days.model_dump()

    def read(start: datetime, end: datetime) -> SecurityData:
        return security_repo.read(tenant.id, start, end)

    if period.frequency == "monthly":
        kept_since = now - timedelta(days=get_settings().security_retention_days)
        return trends.monthly(tenant.id, period, current, DynamoRollupStore(), read, sla, now, kept_since)
    return trends.recent(period, read, sla, now)


def _render(tenant: Tenant, period: Period) -> tuple[ReportData, bytes]:
    data = content_of(tenant, period)
    return data, _pdf(data)


def _pdf(data: ReportData, password: str | None = None) -> bytes:
    from chalicelib.reports import pdf  # fpdf2 only where reports are rendered, not in every API cold start

    started = time.perf_counter()
    document = pdf.render(data, get_settings().product_name, password)
    milliseconds("ReportRenderTime", (time.perf_counter() - started) * 1000)
    return document


def _report(tenant: Tenant, period: Period, key: str, data: ReportData, size: int, rid: str,
            document: bytes | None = None) -> Report:
    from chalicelib.reports.pdf_layout import period_label  # fpdf2, as in _render

    return Report(id=rid, tenant_id=tenant.id, frequency=period.frequency, period_key=period.key,
                  period_label=period_label(data), timezone=period.timezone, first_day=period.first_day,
                  last_day=period.last_day, period_start=period.start, period_end=period.end,
                  generated_at=clock.now(), size_bytes=size, empty=data.is_empty, partial=data.partial,
                  figures=_figures(data), object_key=key,
                  sha256=hashlib.sha256(document).hexdigest() if document else None)


def generate(tenant: Tenant, period: Period) -> Report:
    """The report of ``period``: rendered and stored the first time, read back every later time."""
    rid = report_id(period)
    if existing := reports_repo.get(tenant.id, rid):
        return existing
    data, document = _render(tenant, period)
    key = object_key(tenant, period)
    blobs.put(key, document)
    blobs.put(protection.source_key(key), data.model_dump_json().encode(), "application/json")
    data_files.store(key, data)
    report = _report(tenant, period, key, data, len(document), rid, document)
    if not reports_repo.create(report):  # a concurrent worker stored it first: use theirs
        return reports_repo.get(tenant.id, rid) or report
    count("ReportsRendered")
    return report


def subscribers(tenant_id: str, frequency: str) -> list[Integration]:
    return [i for i in integrations_repo.all_for_tenant(tenant_id) if i.active and i.subscribes(f"report_{frequency}")]


class _Mail(NamedTuple):
    content: Content
    attachment_key: str | None
    data_key: str | None


def _data_size(tenant: Tenant, report: Report) -> int:
    """The size of the report's CSV zip, written now for a report stored before the zip existed."""
    key = data_files.zip_key(report.object_key)
    if not blobs.exists(key):
        data_files.store(report.object_key, content_of(tenant, period_from_key(report.frequency, report.timezone,
                                                                               report.period_key)))
    return blobs.size(key)


def protected_copy(tenant: Tenant, report: Report, integration: Integration, password: str) -> tuple[str, int]:
    """The S3 key and size of ``integration``'s copy of the report, encrypted with its password, rendered now from
    the content the report was rendered from (a report stored before that content was kept: from the stored data)."""
    source = protection.source_key(report.object_key)
    data = protection.source(blobs.get(source)) if blobs.exists(source) else content_of(
        tenant, period_from_key(report.frequency, report.timezone, report.period_key))
    document = _pdf(data, password)
    key = protection.copy_key(report, integration.id)
    blobs.put(key, document)
    return key, len(document)


def _mail(tenant: Tenant, report: Report, with_data: bool, protected: tuple[str, int] | None = None) -> _Mail:
    """The report's email and the S3 keys of its attachments (the PDF, and the CSV zip ``with_data``), or, when
    they are above the attachment limit together, no attachment and links to both: a reader gets the whole
    report either way, never half of it attached. A ``protected`` copy (key, size) takes the PDF's place, and
    its link serves that copy; the data, which no PDF password covers, is then left to the signed-in API/console."""
    pdf_key, pdf_size = protected or (report.object_key, report.size_bytes)
    locked = {"protected": protected is not None, "data_withheld": with_data and protected is not None}
    with_data = with_data and protected is None
    size = pdf_size + (_data_size(tenant, report) if with_data else 0)
    if size > get_settings().report_attachment_limit_bytes:
        link, expires = links.email_link(report, pdf_key if protected else None)
        return _Mail(mails.mail(tenant.name, report, link, expires, with_data=with_data, size=size, **locked),
                     None, None)
    return _Mail(mails.mail(tenant.name, report, with_data=with_data, size=size, **locked), pdf_key,
                 data_files.zip_key(report.object_key) if with_data else None)


def deliver(tenant: Tenant, report: Report, integrations: list[Integration]) -> int:
    """One delivery per integration (active, subscribed) that has not had this report; returns how many. A
    password-protected integration gets its own encrypted copy (``reports.protection``), made with its delivery,
    so its retries send that same copy."""
    made: dict[bool, _Mail] = {}  # with the data or not: each made on its first claim (a repeated job makes no link)
    sent = 0
    for integration in integrations:
        if not reports_repo.claim(report, integration.id, clock.now()):
            continue
        if (password := protection.password_of(integration)) is not None:  # a copy and a mail of its own
            mail = _mail(tenant, report, integration.attach_data, protected_copy(tenant, report, integration, password))
        elif integration.attach_data in made:
            mail = made[integration.attach_data]
        else:
            mail = made[integration.attach_data] = _mail(tenant, report, integration.attach_data)
        threaded = replace(mail.content, thread=threads.report(tenant.id, integration.id, report.frequency))
        delivery = outbox.enqueue(integration, threaded, report.period_end, f"report:{report.id}", kind="report",
                                  event_type=f"report_{report.frequency}", attachment_key=mail.attachment_key,
                                  data_key=mail.data_key)
        reports_repo.mark_enqueued(report, integration.id, delivery.id)
        sent += 1
    logger.info("report delivered", extra={"tenant_id": tenant.id, "report_id": report.id, "deliveries": sent})
    return sent


def _addressed(job: dict[str, Any]) -> list[Integration]:
    """The job's integrations: the one a send-now names (``integration_id``), else the subscribers whose report
    hour is the job's (a job queued before report hours has none: hour 0, everybody's then)."""
    chosen = subscribers(job["tenant_id"], job["frequency"])
    if "integration_id" in job:
        return [integration for integration in chosen if integration.id == job["integration_id"]]
    return [integration for integration in chosen if integration.report_hour == job.get("report_hour", 0)]


def _remind(tenant: Tenant, week: Period, job: dict[str, Any]) -> int:
    """The week's SLA reminders for the integrations of the job's report hour (a send-now job sends none), reading
    the open vulnerabilities only when one takes them; a reminder's id is the week's and the integration's."""
    if "integration_id" in job:
        return 0
    takers = [integration for integration in reminders.reminded(integrations_repo.all_for_tenant(tenant.id))
              if integration.report_hour == job.get("report_hour", 0)]
    if not takers:
        return 0
    return reminders.remind(tenant, week, takers, security_repo.vulnerabilities_of(tenant.id, week.end, week.end))


def run(job: dict[str, Any]) -> int:
    """One report job: render (once per period, by the first job of it) and deliver (once per integration) to
    the job's integrations; a weekly one also sends the SLA reminders of its hour (``reports/reminders.py``);
    returns the deliveries created. A scheduled job records its run's stages (a send-now job has no run)."""
    tenant = tenants_repo.get(job["tenant_id"])
    if tenant is None:
        return 0
    period = period_from_key(job["frequency"], job["timezone"], job["period_key"])
    runs = None if "integration_id" in job else DynamoRuns()
    key = run_id(report_id(period), job.get("report_hour", 0))
    reminded = _remind(tenant, period, job) if job["frequency"] == "weekly" else 0
    integrations = _addressed(job)
    sent = 0
    if integrations:
        report = generate(tenant, period)
        if runs:
            runs.stored(tenant.id, key, report.generated_at, clock.now())
        sent = deliver(tenant, report, integrations)
    if runs:  # also with no integration at its hour any more: nothing is owed, the run is no longer watched
        runs.delivered(tenant.id, key, clock.now(), [integration.id for integration in integrations])
    return reminded + sent


def handle_batch(event: dict[str, Any], context: Any,
                 pages: dict[str, Callable[[dict[str, Any]], int]] | None = None) -> dict[str, Any]:
    """Report jobs arrive one per invocation; a failed job fails the invocation, so SQS tries it again
    (and after ``maxReceiveCount`` moves it to the dead-letter queue) even without partial batch responses.
    The queue also carries the scheduler's busy-hour pages, and the pages of other passes (``pages``: a body with
    one of its keys goes to that function, e.g. the deploy's data migration)."""
    handlers = {scheduler.SHARD: scheduler.schedule_page, **(pages or {})}

    def one(body: dict[str, Any]) -> int:
        handle = next((handle for key, handle in handlers.items() if key in body), run)
        return handle(body)

    return queue.process_batch(event, context, one, whole_batch_fails=True)


def preview(tenant: Tenant, period: Period, output: PreviewFormat = "pdf") -> ReportPreview:
    """Render ``period`` now (not stored as a report, not sent): an expiring link to the PDF or (``csv``) the zip
    of its tables, or (``json``) the tables inline."""
    now = clock.now()
    rid = f"preview-{now:%Y%m%dT%H%M%S}-{period.frequency}-{period.key}"
    key = f"previews/{tenant.id}/{rid}.pdf"
    if output == "pdf":
        data, document = _render(tenant, period)
        blobs.put(key, document)
        return data_files.preview(tenant, _report(tenant, period, key, data, len(document), rid, document), data,
                                  output)
    data = content_of(tenant, period)
    size = data_files.store(key, data) if output == "csv" else 0
    return data_files.preview(tenant, _report(tenant, period, key, data, size, rid), data, output)


def sample(tenant: Tenant, frequency: Frequency, now: datetime, password: str | None = None) -> tuple[Report, bytes]:
    """Test integration's sample report: made-up data for the last complete period and its PDF (nothing
    stored, nothing counted), every page marked SAMPLE. Never the tenant's real figures: a test may go to a
    draft's addresses nobody has confirmed yet, and a forwarded sample must not pass for a report. ``password``:
    encrypted as a protected integration's reports are."""
    from chalicelib.reports import pdf

    period = last_complete(frequency, tenant.timezone, now)
    current = demo_security_data(period, vulnerabilities=12, incidents=4)
    previous = demo_security_data(period.previous(), vulnerabilities=10, incidents=5, seed=8)
    data = build_report(tenant.name, period, current, previous, generated_at=now,
                        sla_days=tenant.sla_days.model_dump()).model_copy(update={"sample": True})
    document = pdf.render(data, get_settings().product_name, password)
    return _report(tenant, period, "", data, len(document), f"sample-{frequency}-{period.key}"), document
