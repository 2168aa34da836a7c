"""The Reports page: the tenant's reports with their downloads, what is due next, a preview of any period, and the
link a too-large report's email carries."""

from typing import Any, cast

from chalice import Blueprint, Response

from chalicelib import clock
from chalicelib.console import forms, web
from chalicelib.console.forms import FREQUENCIES
from chalicelib.console.web import Session, field, page
from chalicelib.models.reports import ReportFrequency, iso_date
from chalicelib.observability import logger
from chalicelib.reports import links, service
from chalicelib.settings import get_settings
from chalicelib.wiring import stores

bp = Blueprint(__name__)
PAGE_SIZE = 20


def _reports_page(session: Session, preview: Any = None, errors: dict[str, str] | None = None,
                  status_code: int = 200, chosen: dict[str, str] | None = None) -> Response:
    params = web.query(bp.current_request)
    frequency = params.get("frequency") if params.get("frequency") in FREQUENCIES[1:] else None
    listed = service.page(stores(), session.tenant_id, PAGE_SIZE, params.get("cursor") or None, frequency)
    return session.render("reports.html", status_code, reports=listed.items, runs=listed.runs,
                          next_cursor=listed.next_cursor,
                          frequency=frequency, frequencies=FREQUENCIES[1:], preview=preview, errors=errors or {},
                          chosen=chosen or {"frequency": "weekly", "period_end": ""},
                          upcoming=service.upcoming(session.tenant, clock.now()),
                          watchdog_hours=get_settings().report_watchdog_hours)


@page(bp, "GET", "/console/reports")
def reports(session: Session) -> Response:
    return _reports_page(session)


@page(bp, "GET", "/console/reports/{report_id}/download")
def download_report(session: Session, report_id: str) -> Response:
    return web.redirect(service.get(session.tenant, report_id).download_url)


@web.public(bp, "/console/report-links/{link}")
def console_report_link(link: str) -> Response:
    """The link in the email of a report too large to attach: no sign-in (the email's readers need none for an
    attachment either); a valid link redirects to a fresh S3 link, an expired one says so."""
    data = web.query(bp.current_request).get("part") == "data"  # the mail's second link: the CSV zip
    report = links.follow(link, data)
    logger.info("emailed report link followed", extra={"tenant_id": report.tenant_id, "report_id": report.id,
                                                        "data": data})
    return web.redirect(report.download_url)


@page(bp, "POST", "/console/reports/preview", admin=True)
def preview_report(session: Session, form: dict[str, list[str]]) -> Response:
    chosen = {"frequency": field(form, "frequency"), "period_end": field(form, "period_end").strip()}
    frequency = chosen["frequency"]
    if frequency not in FREQUENCIES[1:]:
        return _reports_page(session, errors={"frequency": "Choose daily, weekly or monthly."}, status_code=422,
                             chosen=chosen)
    try:
        period_end = iso_date(chosen["period_end"]) if chosen["period_end"] else None
    except ValueError:
        return _reports_page(session, errors={"period_end": "Enter a date as YYYY-MM-DD."}, status_code=422,
                             chosen=chosen)
    try:
        period = service.preview_period(session.tenant, cast(ReportFrequency, frequency), period_end, clock.now())
    except ValueError as error:
        return _reports_page(session, errors={"period_end": forms.capitalised(str(error)) + "."}, status_code=422,
                             chosen=chosen)
    return _reports_page(session, preview=service.preview(session.tenant, period), chosen=chosen)
