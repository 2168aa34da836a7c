"""The delivery log and redrive of dead letters."""

from chalicelib import clock
from chalicelib.aws import deliveries_repo, integrations_repo
from chalicelib.delivery import outbox
from chalicelib.errors import Conflict, NotFound
from chalicelib.models import Delivery, DeliveryPage, DeliveryQuery


def page(tenant_id: str, integration_id: str, query: DeliveryQuery) -> DeliveryPage:
    """Newest first; a deleted integration's log stays readable until it expires."""
    items, next_cursor = deliveries_repo.log_page(tenant_id, integration_id, query.limit, query.cursor,
                                                  query.status)
    if not items and not query.cursor and integrations_repo.get(tenant_id, integration_id) is None:
        raise NotFound(f"no integration {integration_id!r}")
    return DeliveryPage(items=items, next_cursor=next_cursor)


def redrive(tenant_id: str, delivery_id: str) -> Delivery:
    """Send a dead delivery again with a fresh retry schedule."""
    delivery = deliveries_repo.get(tenant_id, delivery_id)
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id!r}")
    if delivery.status != "dead" or not deliveries_repo.restart(delivery, clock.now()):
        raise Conflict(f"only dead deliveries can be redriven; this one is {delivery.status!r}")
    outbox.redrive(delivery)
    restarted = deliveries_repo.get(tenant_id, delivery_id)
    assert restarted is not None
    return restarted
