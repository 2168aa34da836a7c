"""The delivery log page of an integration, filtered by status, with redrive of what it could not deliver."""

from chalice import Blueprint, Response

from chalicelib.console import log_view, web
from chalicelib.console.web import Session, page
from chalicelib.delivery import log
from chalicelib.integrations import service
from chalicelib.models.deliveries import DeliveryQuery, DeliveryStatus
from chalicelib.wiring import stores

bp = Blueprint(__name__)
PAGE_SIZE = 20
NOTICES = {
    "redriven": "The delivery is queued again with a fresh retry schedule, for the addresses that have not got it.",
}
DELIVERY_STATUSES: tuple[str, ...] = DeliveryStatus.__args__  # type: ignore[attr-defined]


@page(bp, "GET", "/console/integrations/{integration_id}/deliveries")
def deliveries(session: Session, integration_id: str) -> Response:
    params = web.query(bp.current_request)
    status = params.get("status") if params.get("status") in DELIVERY_STATUSES else None
    current = service.get(stores(), session.tenant_id, integration_id)
    listed = log.page(session.tenant_id, integration_id,
                      DeliveryQuery(limit=PAGE_SIZE, cursor=params.get("cursor") or None, status=status))
    return session.render("deliveries.html", integration=current, entries=[log_view.entry(d) for d in listed.items],
                          next_cursor=listed.next_cursor, status=status, statuses=DELIVERY_STATUSES,
                          notice=NOTICES.get(params.get("notice") or ""), retry_schedule=log_view.RETRY_SCHEDULE)


@page(bp, "POST", "/console/integrations/{integration_id}/deliveries/{delivery_id}/redrive", admin=True)
def redrive(session: Session, form: dict[str, list[str]], integration_id: str, delivery_id: str) -> Response:
    log.redrive(session.tenant_id, delivery_id, integration_id)
    return web.redirect(web.url(f"/integrations/{integration_id}/deliveries", notice="redriven"))
