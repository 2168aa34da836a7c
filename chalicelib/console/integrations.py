"""The Integrations pages: the list with each integration's health and digest, the Email report form (add, edit,
test), enable/disable, putting an unsubscribed address back, and delete. Each calls the same service functions as
the JSON API."""

from typing import Any, NamedTuple

from chalice import Blueprint, Response

from chalicelib import clock
from chalicelib.console import web
from chalicelib.console.forms import FREQUENCIES, VULN_LEVELS, IntegrationForm
from chalicelib.console.submit import submit
from chalicelib.console.web import Session, field, page
from chalicelib.digests.outlook import Outlook, outlook
from chalicelib.integrations import health, service
from chalicelib.models.integrations import Integration, IntegrationCreate, IntegrationUpdate, TestResult
from chalicelib.reports import service as reports
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
    "saved-disabled": "Changes saved. The integration is still disabled: run Test integration, then enable it.",
    "added-back": "The address is back on the integration and gets its mail again.",
}


def _notice() -> str | None:
    return NOTICES.get(web.query(bp.current_request).get("notice") or "")


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
    now = clock.now()
    flagged = health.flag(stores(), suppressions.flag(integration), now).model_copy(update={
        "next_reports": reports.next_reports(session.tenant, integration, now)}) if integration else None
    return session.render("integration_form.html", status_code, form=form, integration=flagged, result=result,
                          frequencies=FREQUENCIES, vuln_levels=VULN_LEVELS, notice=_notice())


def _submit(session: Session, form: dict[str, list[str]], current: Integration | None) -> Response:
    """The Email report form sent to add (``current`` is ``None``) or save an integration, or, with the Test
    integration button, to try the settings as typed without saving them."""
    from chalicelib.integrations import checks

    draft = IntegrationForm.parse(form)

    def act(data: IntegrationCreate) -> Response:
        if field(form, "action") == "test":
            checks.rate_limit(session.tenant_id, current.id if current else "draft")
            saved = None if draft.remove_password else current  # its PDF password, unless one is typed
            return _form_page(session, draft, current, result=checks.run(session.tenant, data, saved))
        if current is None:
            service.create(stores(), session.tenant_id, data)
            return web.redirect(web.url("/integrations", notice="created"))
        service.update(stores(), session.tenant_id, current.id, IntegrationUpdate(**draft.changes(data)))
        # a disabled integration whose settings were just fixed: the next steps are Test, then Enable
        notice = "saved" if current.active else "saved-disabled"
        return web.redirect(web.url(f"/integrations/{current.id}", notice=notice))

    return submit(draft, act, lambda status: _form_page(session, draft, current, status_code=status))


@page(bp, "GET", "/console/integrations/new", admin=True)
def new_integration(session: Session) -> Response:
    return _form_page(session, IntegrationForm())


@page(bp, "POST", "/console/integrations", admin=True)
def create_integration(session: Session, form: dict[str, list[str]]) -> Response:
    return _submit(session, form, None)


@page(bp, "GET", "/console/integrations/{integration_id}")
def integration(session: Session, integration_id: str) -> Response:
    current = service.get(stores(), session.tenant_id, integration_id)
    return _form_page(session, IntegrationForm.of(current), current)


@page(bp, "POST", "/console/integrations/{integration_id}", admin=True)
def save_integration(session: Session, form: dict[str, list[str]], integration_id: str) -> Response:
    return _submit(session, form, service.get(stores(), session.tenant_id, integration_id))


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
