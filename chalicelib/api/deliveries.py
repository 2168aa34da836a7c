"""Routes: the delivery log and redrive."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route
from chalicelib.delivery import log
from chalicelib.models.deliveries import Delivery, DeliveryPage, DeliveryQuery

bp = Blueprint(__name__)


@route(bp, "GET", "/v1/integrations/{integration_id}/deliveries", summary="Delivery log, newest first",
       access="viewer", tag="deliveries", query=DeliveryQuery, response=DeliveryPage)
def list_deliveries(call: Call, integration_id: str) -> DeliveryPage:
    return log.page(call.tenant_id, integration_id, call.query)


@route(bp, "POST", "/v1/deliveries/{delivery_id}/redrive",
       summary="Send a dead-lettered or skipped delivery again (409 while its integration is disabled)",
       access="admin", tag="deliveries", response=Delivery, errors=(409,))
def redrive_delivery(call: Call, delivery_id: str) -> Delivery:
    return log.redrive(call.tenant_id, delivery_id)
