"""Console pages for snoozes and mutes: a mail's snooze or mute link (public: no sign-in, no cookie, no CSRF token;
``GET`` shows, ``POST`` acts, as for unsubscribe), the tenant's list with "Lift", and an admin's snooze of a
trigger for a whole integration."""

from chalice import Blueprint, Response

from chalicelib.console import web
from chalicelib.console.web import Session, page
from chalicelib.errors import BadRequest, ValidationFailed
from chalicelib.integrations import service as integrations
from chalicelib.models.common import PageQuery
from chalicelib.models.snoozes import LENGTHS
from chalicelib.snoozes import service
from chalicelib.triggers import service as triggers
from chalicelib.wiring import stores

bp = Blueprint(__name__)
LINK = "/console/snooze/{token}"
PAGE_SIZE = 50
NOTICES = {"lifted": "Lifted: that mail flows again. Redrive what it held back from the delivery log to send it.",
           "snoozed": "Snoozed for every recipient of the integration."}
DURATIONS = {key: length.words for key, length in LENGTHS.items()}  # what an admin may snooze a trigger for


def _link_page(acting: bool, token: str) -> Response:
    return web.mail_link_page(bp, "snooze", token, acting, lambda t: service.follow(stores(), t),
                              lambda t: service.act(stores(), t), "snooze.html", "snooze")


@web.public(bp, LINK)
def snooze_page(token: str) -> Response:
    return _link_page(False, token)


@web.public(bp, LINK, "POST", [web.FORM])
def snooze_now(token: str) -> Response:
    return _link_page(True, token)


@page(bp, "GET", "/console/snoozes")
def snoozes(session: Session) -> Response:
    asked = web.query(bp.current_request)
    listed = service.page(stores(), session.tenant_id, PageQuery(limit=PAGE_SIZE, cursor=asked.get("cursor") or None))
    names = {i.id: i.name for i in integrations.page(stores(), session.tenant_id, 100, None).items}
    offered = triggers.page(session.tenant_id, 100, None).items if session.can_edit else []
    return session.render("snoozes.html", snoozes=listed.items, next_cursor=listed.next_cursor, names=names,
                          triggers=offered, durations=DURATIONS, notice=NOTICES.get(asked.get("notice") or ""))


@page(bp, "POST", "/console/snoozes", admin=True)
def snooze_integration(session: Session, form: dict[str, list[str]]) -> Response:
    integration_id, trigger_id = web.field(form, "integration_id"), web.field(form, "trigger_id")
    duration = web.field(form, "duration")
    if duration not in DURATIONS:
        *others, last = DURATIONS.values()
        raise ValidationFailed(f"choose how long to snooze: {', '.join(others)} or {last}",
                               [{"path": "duration", "message": f"not one of {', '.join(DURATIONS)}"}])
    if not integration_id or not trigger_id:
        raise BadRequest("choose an integration and a trigger")
    trigger = triggers.get(session.tenant_id, trigger_id)
    integrations.get(stores(), session.tenant_id, integration_id)
    service.snooze_integration(stores(), session.tenant_id, integration_id, trigger.id, trigger.name, duration,
                               f"console ({session.caller.role} token {session.caller.token_id[:8]})")
    return web.redirect(web.url("/snoozes", notice="snoozed"))


@page(bp, "POST", "/console/snoozes/{snooze_id}/lift", admin=True)
def lift(session: Session, form: dict[str, list[str]], snooze_id: str) -> Response:
    service.lift(stores(), session.tenant_id, snooze_id)
    return web.redirect(web.url("/snoozes", notice="lifted"))
