"""Reports as both front ends (the JSON API and the console) reach them: list, get with a download link,
and previews with their rate limit."""

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from chalicelib import clock, limits
from chalicelib.aws import integrations_repo, queue, reports_repo
from chalicelib.errors import Conflict, NotFound
from chalicelib.models.integrations import Integration
from chalicelib.models.report_data import DataFormat, PreviewFormat, ReportDataDownload, ReportPreview
from chalicelib.models.reports import Report, ReportDownload, ReportFrequency, ReportSend
from chalicelib.models.runs import ReportRunPage
from chalicelib.models.tenants import Tenant
from chalicelib.observability import logger
from chalicelib.reports import links
from chalicelib.settings import get_settings
from chalicelib.stores import Stores

if TYPE_CHECKING:
    from chalicelib.reports.periods import Period


def page(stores: Stores, tenant_id: str, limit: int, cursor: str | None, frequency: str | None) -> ReportRunPage:
    """The tenant's reports, newest period first, and the runs beside them (``models.runs.ReportRunPage``)."""
    from chalicelib.reports import runs  # the calendar and the delivery log's reading, for this page alone

    items, next_cursor = reports_repo.page(tenant_id, limit, cursor, frequency)
    oldest = reports_repo.cursor_report(next_cursor) if next_cursor else ""
    newest = reports_repo.cursor_report(cursor) if cursor else None
    return ReportRunPage(items=items, next_cursor=next_cursor,
                         runs=runs.shown(stores, tenant_id, stores.runs.between(tenant_id, oldest, newest, frequency)))


def _stored(tenant: Tenant, report_id: str) -> Report:
    """The tenant's stored report; another tenant's is as absent as a missing one."""
    report = reports_repo.get(tenant.id, report_id)
    if report is None:
        raise NotFound(f"no report {report_id!r}")
    return report


def get(tenant: Tenant, report_id: str) -> ReportDownload:
    """The tenant's stored report with a fresh download link."""
    return links.download(tenant, _stored(tenant, report_id))


def data(tenant: Tenant, report_id: str, output: DataFormat) -> ReportDataDownload:
    """The stored report's tables: a link to their CSV zip, or inline."""
    from chalicelib.reports import data_files  # the report content model loads for a data request only

    return data_files.stored(tenant, _stored(tenant, report_id), output)


def preview_period(tenant: Tenant, frequency: ReportFrequency, period_end: date | None, now: datetime) -> "Period":
    """The period a preview shows. ``period_end`` (a local day) must lie from today minus the data retention to
    the last day of the current period (which may be previewed incomplete), and end a period; else ``ValueError``."""
    # the calendar arithmetic loads for a preview, not in every API cold start
    from chalicelib.reports.periods import last_complete, period_containing, period_ending_on

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


def rate_limit_previews(tenant_id: str) -> None:
    """At most N previews per tenant in any rolling window (each renders a PDF) → 429 with ``Retry-After``."""
    settings = get_settings()
    limits.enforce(limits.Limit(f"previews#{tenant_id}", settings.preview_rate_limit,
                                settings.preview_rate_window_seconds, "previews per tenant"))


def preview(tenant: Tenant, period: "Period", output: PreviewFormat = "pdf") -> ReportPreview:
    """``period`` (from :func:`preview_period`) rendered now as ``output``; 429 past the rate limit."""
    rate_limit_previews(tenant.id)
    from chalicelib.reports import generation  # the renderer (fpdf2) loads for a preview, not every API cold start

    return generation.preview(tenant, period, output)


def send_now(tenant: Tenant, integration: Integration, frequency: ReportFrequency, period_end: date | None,
             now: datetime) -> ReportSend:
    """Queue the report of a period that ended (:func:`preview_period`'s days, default the last complete one) for
    ``integration`` alone; the report worker renders it if nobody has and delivers it through the usual claim, so
    the scheduled run of that period skips this integration afterwards and it never gets the period twice.
    ``Conflict`` (409) while disabled, not taking ``frequency``, or already sent that period; ``ValueError`` for a
    period not to send; 429 past the rate limit (the previews' figures, counted apart)."""
    from chalicelib.reports import scheduler
    from chalicelib.reports.periods import report_id

    if not integration.active:
        raise Conflict("the integration is disabled: enable it to send it reports")
    if not integration.subscribes(f"report_{frequency}"):
        raise Conflict(f"the integration does not take the {frequency} report (events: report_{frequency})")
    period = preview_period(tenant, frequency, period_end, now)
    if period.end > now:
        raise ValueError(f"the {period.noun} ending {period.last_day.isoformat()} has not ended yet; only an ended "
                         f"{period.noun} can be sent")
    rid = report_id(period)
    if delivery := reports_repo.delivered(tenant.id, rid, integration.id):
        raise Conflict(f"the {frequency} report {period.key} was already sent to this integration "
                       f"(delivery {delivery}); the delivery log shows it")
    settings = get_settings()
    limits.enforce(limits.Limit(f"report-sends#{tenant.id}", settings.preview_rate_limit,
                                settings.preview_rate_window_seconds, "report sends per tenant"))
    queue.send(settings.report_queue, {**scheduler.job(tenant, period), "integration_id": integration.id})
    logger.info("report send queued", extra={"tenant_id": tenant.id, "integration_id": integration.id,
                                             "report_id": rid})
    return ReportSend(report_id=rid, integration_id=integration.id, frequency=frequency, period_key=period.key)


def next_reports(tenant: Tenant, integration: Integration, now: datetime) -> dict[ReportFrequency, datetime]:
    """When the integration's next report of each frequency it takes goes out (its report hour of the day after
    the period), in the tenant's zone; none while it is disabled."""
    from chalicelib.reports.periods import FREQUENCIES, next_report_time  # calendar arithmetic, as in previews

    if not integration.active:
        return {}
    zone = ZoneInfo(tenant.timezone)
    return {frequency: next_report_time(frequency, tenant.timezone, integration.report_hour, now).astimezone(zone)
            for frequency in FREQUENCIES if integration.subscribes(f"report_{frequency}")}


class NextReport(NamedTuple):
    integration: str
    frequency: ReportFrequency
    at: datetime  # the integration's report time, in the tenant's zone: the scheduler sends within the hour after


def upcoming(tenant: Tenant, now: datetime) -> list[NextReport]:
    """When each active integration's next report of each frequency it takes goes out, soonest first."""
    found = [NextReport(integration.name, frequency, at) for integration in integrations_repo.all_for_tenant(tenant.id)
             for frequency, at in next_reports(tenant, integration, now).items()]
    return sorted(found, key=lambda next_report: (next_report.at, next_report.integration))
