"""Console pages for the suppression list: the addresses that hard-bounced or complained, and their removal."""

from chalice import Blueprint, Response
from pydantic import ValidationError

from chalicelib.console import web
from chalicelib.console.web import Session, page
from chalicelib.errors import BadRequest
from chalicelib.models.common import PageQuery
from chalicelib.suppressions import service

bp = Blueprint(__name__)
PAGE_SIZE = 50
NOTICES = {"removed": "Address removed from the suppression list: it gets mail again."}


def _query() -> PageQuery:
    try:
        return PageQuery(limit=PAGE_SIZE, cursor=web.query(bp.current_request).get("cursor") or None)
    except ValidationError:
        raise BadRequest("the page link is not valid; go back to the first page") from None


@page(bp, "GET", "/console/suppressions")
def suppressions(session: Session) -> Response:
    listed = service.page(session.tenant_id, _query())
    return session.render("suppressions.html", suppressions=listed.items, next_cursor=listed.next_cursor,
                          notice=NOTICES.get(web.query(bp.current_request).get("notice") or ""))


@page(bp, "GET", "/console/suppressions/{email}/remove", admin=True, addresses=("email",))
def confirm_remove_suppression(session: Session, email: str) -> Response:
    return session.render("confirm_remove_suppression.html", suppression=service.get(session.tenant_id, email))


@page(bp, "POST", "/console/suppressions/{email}/remove", admin=True, addresses=("email",))
def remove_suppression(session: Session, form: dict[str, list[str]], email: str) -> Response:
    service.remove(session.tenant_id, email)
    return web.redirect(web.url("/suppressions", notice="removed"))
