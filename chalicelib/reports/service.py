"""Reports as both front ends (the JSON API and the console) reach them: list, get with a download link,
and previews with their rate limit."""

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from chalicelib import clock, limits
from chalicelib.aws import integrations_repo, reports_repo
from chalicelib.errors import NotFound
from chalicelib.models.report_data import DataFormat, PreviewFormat, ReportDataDownload, ReportPreview
from chalicelib.models.reports import Report, ReportDownload, ReportFrequency, ReportPage
from chalicelib.models.tenants import Tenant
from chalicelib.reports import links
from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from chalicelib.reports.periods import Period


def page(tenant_id: str, limit: int, cursor: str | None, frequency: str | None) -> ReportPage:
    """The tenant's reports, newest period first."""
    items, next_cursor = reports_repo.page(tenant_id, limit, cursor, frequency)
    return ReportPage(items=items, next_cursor=next_cursor)


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


class NextReport(NamedTuple):
    integration: str
    frequency: ReportFrequency
    at: datetime  # the end of the current period, in the tenant's zone: the scheduler sends within the hour after


def upcoming(tenant: Tenant, now: datetime) -> list[NextReport]:
    """When each active integration's next report of each frequency it takes goes out, soonest first."""
    from chalicelib.reports.periods import FREQUENCIES, period_containing  # calendar arithmetic, as in previews

    zone = ZoneInfo(tenant.timezone)
    ends = {frequency: period_containing(frequency, tenant.timezone, now).end.astimezone(zone)
            for frequency in FREQUENCIES}
    found = [NextReport(integration.name, frequency, ends[frequency])
             for integration in integrations_repo.all_for_tenant(tenant.id) if integration.active
             for frequency in FREQUENCIES if integration.subscribes(f"report_{frequency}")]
    return sorted(found, key=lambda next_report: (next_report.at, next_report.integration))
