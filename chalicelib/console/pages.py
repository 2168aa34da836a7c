"""Console pages: sign-in, Integrations (list, add/edit, test, enable/disable, delete), the delivery
log with redrive, and Reports. Each page calls the same service functions as the JSON API."""

from typing import Any, NamedTuple, cast

from chalice import Blueprint, Response

from chalicelib import auth, clock, limits
from chalicelib.console import forms, log_view, web
from chalicelib.console.forms import FREQUENCIES, VULN_LEVELS, IntegrationForm
from chalicelib.console.web import Session, field, page
from chalicelib.delivery import log
from chalicelib.digests.outlook import Outlook, outlook
from chalicelib.errors import AppError, Forbidden, Unauthorized, ValidationFailed
from chalicelib.integrations import health, service
from chalicelib.models.deliveries import DeliveryQuery, DeliveryStatus
from chalicelib.models.integrations import Integration, IntegrationUpdate, TestResult
from chalicelib.models.reports import ReportFrequency, iso_date
from chalicelib.observability import logger
from chalicelib.reports import links
from chalicelib.reports import service as reports_service
from chalicelib.settings import get_settings
from chalicelib.suppressions import service as suppressions
from chalicelib.wiring import stores

# Test integration (``integrations.checks``) is imported where it is used: app.py is imported by every Lambda,
# so the API's cold start must not load it.
bp = Blueprint(__name__)
PAGE_SIZE = 20
NOTICES = {
    "created": "Integration added.",
    "saved": "Changes saved.",
    "enabled": "Integration enabled: sending resumes with the same settings.",
    "disabled": "Integration disabled: nothing is sent until you enable it again. Its settings are kept.",
    "deleted": "Integration deleted, with all its settings.",
    "redriven": "The delivery is queued again with a fresh retry schedule, for the addresses that have not got it.",
    "saved-disabled": "Changes saved. The integration is still disabled: run Test integration, then enable it.",
    "signed-out": "You are signed out.",
    "added-back": "The address is back on the integration and gets its mail again.",
}
DELIVERY_STATUSES: tuple[str, ...] = DeliveryStatus.__args__  # type: ignore[attr-defined]


def _notice() -> str | None:
    return NOTICES.get(web.query(bp.current_request).get("notice") or "")


# --- sign-in ------------------------------------------------------------------------------------------------


@bp.route("/console")
def console_home() -> Response:
    return web.redirect(web.url("/integrations"))


@bp.route("/console/static/console.css")
def console_stylesheet() -> Response:
    return Response((web.STATIC / "console.css").read_text(), headers={
        "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff"})


@web.public(bp, "/console/sign-in")
def console_sign_in_form() -> Response:
    nonce = web.new_nonce()
    notice = NOTICES.get(web.query(bp.current_request).get("notice") or "")
    return web.render_public("sign_in.html", nonce=nonce, error=None, notice=notice,
                             headers={"Set-Cookie": web.sign_in_cookie(nonce)})


@web.public(bp, "/console/sign-in", "POST", [web.FORM])
def console_sign_in() -> Response:
    request = bp.current_request
    nonce = web.new_nonce()
    try:
        form = web.form_body(request)
        expected = web.cookies(request).get(web.SIGN_IN_COOKIE, "")
        if not expected or not web.same(field(form, "csrf"), expected):
            raise Forbidden("The sign-in form expired. Try again.")
        token = field(form, "token").strip()
        if not token:
            raise Unauthorized("Enter an API token.")
        # only failures count (a team may share a viewer token), but a full log refuses before the token is tried:
        # a guesser never learns whether a guess was right
        door = limits.door("sign-in", web.client_address(request), auth.public_id(token))
        limits.check(*door)
        try:
            caller = auth.authenticate(f"Bearer {token}")
        except Unauthorized:
            limits.enforce(*door)
            raise
        if caller.role not in ("admin", "viewer"):
            raise Forbidden("This token can only send events. Sign in with an admin or viewer token.")
    except Unauthorized as error:
        message = error.message if error.message == "Enter an API token." else "This token is not valid or was revoked."
        return web.render_public("sign_in.html", 401, nonce=nonce, error=message, notice=None,
                                 headers={"Set-Cookie": web.sign_in_cookie(nonce)})
    except AppError as error:
        return web.render_public("sign_in.html", error.status, nonce=nonce, error=error.message, notice=None,
                                 headers={"Set-Cookie": web.sign_in_cookie(nonce), **error.headers()})
    session_id = auth.open_session(caller, web.session_seconds())
    return web.redirect(web.url("/integrations"), {"Set-Cookie": web.session_cookie(session_id)})


@page(bp, "POST", "/console/sign-out")
def sign_out(session: Session, form: dict[str, list[str]]) -> Response:
    auth.close_session(web.cookies(bp.current_request).get(web.SESSION_COOKIE, ""))
    return web.redirect(web.url("/sign-in", notice="signed-out"),
                        {"Set-Cookie": web.cleared_cookie(web.SESSION_COOKIE)})


# --- integrations ---------------------------------------------------------------------------------------


class Row(NamedTuple):
    """One integration on the list (with its health), its newest delivery, its failure ratio and, when it takes a
    digest, what its digests hold."""

    integration: Integration
    last: Any
    ratio: health.Ratio
    digest: Outlook | None


def _row(integration: Integration, timezone: str) -> Row:
    now = clock.now()
    assessed = health.assess(stores(), integration, now)
    return Row(assessed.on(integration), assessed.newest, assessed.ratio, outlook(integration, timezone, now))


@page(bp, "GET", "/console/integrations")
def integrations(session: Session) -> Response:
    cursor = web.query(bp.current_request).get("cursor")
    listed = service.page(stores(), session.tenant_id, PAGE_SIZE, cursor)
    flagged = suppressions.flag_all(session.tenant_id, listed.items)
    return session.render("integrations.html", rows=[_row(i, session.tenant.timezone) for i in flagged],
                          next_cursor=listed.next_cursor, notice=_notice(),
                          window_hours=get_settings().failure_window_hours)


def _form_page(session: Session, form: IntegrationForm, integration: Integration | None = None,
               result: TestResult | None = None, status_code: int = 200) -> Response:
    flagged = health.flag(stores(), suppressions.flag(integration), clock.now()) if integration else None
    return session.render("integration_form.html", status_code, form=form, integration=flagged, result=result,
                          frequencies=FREQUENCIES, vuln_levels=VULN_LEVELS, notice=_notice())


@page(bp, "GET", "/console/integrations/new", admin=True)
def new_integration(session: Session) -> Response:
    return _form_page(session, IntegrationForm())


@page(bp, "POST", "/console/integrations", admin=True)
def create_integration(session: Session, form: dict[str, list[str]]) -> Response:
    from chalicelib.integrations import checks

    draft = IntegrationForm.parse(form)
    data = draft.validated()
    if data is None:
        return _form_page(session, draft, status_code=422)
    if field(form, "action") == "test":
        checks.rate_limit(session.tenant_id, "draft")
        return _form_page(session, draft, result=checks.run(session.tenant, data))
    try:
        service.create(stores(), session.tenant_id, data)
    except AppError as error:
        if not draft.refused(error):
            raise
        return _form_page(session, draft, status_code=error.status)
    return web.redirect(web.url("/integrations", notice="created"))


@page(bp, "GET", "/console/integrations/{integration_id}")
def integration(session: Session, integration_id: str) -> Response:
    current = service.get(stores(), session.tenant_id, integration_id)
    return _form_page(session, IntegrationForm.of(current), current)


@page(bp, "POST", "/console/integrations/{integration_id}", admin=True)
def save_integration(session: Session, form: dict[str, list[str]], integration_id: str) -> Response:
    from chalicelib.integrations import checks

    current = service.get(stores(), session.tenant_id, integration_id)
    draft = IntegrationForm.parse(form)
    data = draft.validated()
    if data is None:
        return _form_page(session, draft, current, status_code=422)
    if field(form, "action") == "test":
        checks.rate_limit(session.tenant_id, current.id)
        return _form_page(session, draft, current, result=checks.run(session.tenant, data))
    try:
        service.update(stores(), session.tenant_id, integration_id, IntegrationUpdate(**draft.changes(data)))
    except ValidationFailed as error:
        if not draft.refused(error):
            raise
        return _form_page(session, draft, current, status_code=error.status)
    except AppError as error:
        if error.status != 409 or not draft.refused(error):
            raise
        return _form_page(session, draft, current, status_code=error.status)
    # a disabled integration whose settings were just fixed: the next steps are Test, then Enable
    notice = "saved" if current.active else "saved-disabled"
    return web.redirect(web.url(f"/integrations/{integration_id}", notice=notice))


@page(bp, "POST", "/console/integrations/{integration_id}/test", admin=True)
def test_integration(session: Session, form: dict[str, list[str]], integration_id: str) -> Response:
    from chalicelib.integrations import checks

    current = service.get(stores(), session.tenant_id, integration_id)
    checks.rate_limit(session.tenant_id, current.id)
    return session.render("test_result.html", integration=current, result=checks.run(session.tenant, current))


@page(bp, "POST", "/console/integrations/{integration_id}/enable", admin=True)
def enable_integration(session: Session, form: dict[str, list[str]], integration_id: str) -> Response:
    service.enable(stores(), session.tenant_id, integration_id)
    return web.redirect(web.url("/integrations", notice="enabled"))


@page(bp, "POST", "/console/integrations/{integration_id}/disable", admin=True)
def disable_integration(session: Session, form: dict[str, list[str]], integration_id: str) -> Response:
    service.disable(stores(), session.tenant_id, integration_id)
    return web.redirect(web.url("/integrations", notice="disabled"))


@page(bp, "POST", "/console/integrations/{integration_id}/add-back", admin=True)
def add_back(session: Session, form: dict[str, list[str]], integration_id: str) -> Response:
    """An address that unsubscribed, put back by an admin with one click."""
    service.add_back(stores(), session.tenant_id, integration_id, field(form, "address"))
    return web.redirect(web.url(f"/integrations/{integration_id}", notice="added-back"))


@page(bp, "GET", "/console/integrations/{integration_id}/delete", admin=True)
def confirm_delete(session: Session, integration_id: str) -> Response:
    return session.render("confirm_delete.html", integration=service.get(stores(), session.tenant_id, integration_id),
                          primary=False)


def _sends_to_primary(session: Session, integration: Integration) -> bool:
    return session.tenant.primary_email.casefold() in {address.casefold() for address in integration.emails}


@page(bp, "POST", "/console/integrations/{integration_id}/delete", admin=True)
def delete_integration(session: Session, form: dict[str, list[str]], integration_id: str) -> Response:
    """Deleting the integration that mails the company's primary address asks a second time."""
    current = service.get(stores(), session.tenant_id, integration_id)
    if _sends_to_primary(session, current) and field(form, "primary_confirmed") != "yes":
        return session.render("confirm_delete.html", integration=current, primary=True)
    service.delete(stores(), session.tenant_id, integration_id)
    return web.redirect(web.url("/integrations", notice="deleted"))


# --- delivery log ---------------------------------------------------------------------------------------


@page(bp, "GET", "/console/integrations/{integration_id}/deliveries")
def deliveries(session: Session, integration_id: str) -> Response:
    params = web.query(bp.current_request)
    status = params.get("status") if params.get("status") in DELIVERY_STATUSES else None
    current = service.get(stores(), session.tenant_id, integration_id)
    listed = log.page(session.tenant_id, integration_id,
                      DeliveryQuery(limit=PAGE_SIZE, cursor=params.get("cursor") or None, status=status))
    return session.render("deliveries.html", integration=current, entries=[log_view.entry(d) for d in listed.items],
                          next_cursor=listed.next_cursor, status=status, statuses=DELIVERY_STATUSES,
                          notice=_notice())


@page(bp, "POST", "/console/integrations/{integration_id}/deliveries/{delivery_id}/redrive", admin=True)
def redrive(session: Session, form: dict[str, list[str]], integration_id: str, delivery_id: str) -> Response:
    log.redrive(session.tenant_id, delivery_id, integration_id)
    return web.redirect(web.url(f"/integrations/{integration_id}/deliveries", notice="redriven"))


# --- reports --------------------------------------------------------------------------------------------


def _reports_page(session: Session, preview: Any = None, errors: dict[str, str] | None = None,
                  status_code: int = 200, chosen: dict[str, str] | None = None) -> Response:
    params = web.query(bp.current_request)
    frequency = params.get("frequency") if params.get("frequency") in FREQUENCIES[1:] else None
    listed = reports_service.page(session.tenant_id, PAGE_SIZE, params.get("cursor") or None, frequency)
    return session.render("reports.html", status_code, reports=listed.items, next_cursor=listed.next_cursor,
                          frequency=frequency, frequencies=FREQUENCIES[1:], preview=preview, errors=errors or {},
                          chosen=chosen or {"frequency": "weekly", "period_end": ""},
                          upcoming=reports_service.upcoming(session.tenant, clock.now()))


@page(bp, "GET", "/console/reports")
def reports(session: Session) -> Response:
    return _reports_page(session)


@page(bp, "GET", "/console/reports/{report_id}/download")
def download_report(session: Session, report_id: str) -> Response:
    return web.redirect(reports_service.get(session.tenant, report_id).download_url)


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
        period = reports_service.preview_period(session.tenant, cast(ReportFrequency, frequency), period_end,
                                                clock.now())
    except ValueError as error:
        return _reports_page(session, errors={"period_end": forms.capitalised(str(error)) + "."}, status_code=422,
                             chosen=chosen)
    return _reports_page(session, preview=reports_service.preview(session.tenant, period), chosen=chosen)
