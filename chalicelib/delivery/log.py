"""The delivery log and redrive of dead letters and skipped deliveries."""

from chalicelib import clock
from chalicelib.aws import deliveries_repo, integrations_repo
from chalicelib.delivery import outbox
from chalicelib.errors import Conflict, NotFound
from chalicelib.models.deliveries import Delivery, DeliveryPage, DeliveryQuery


def page(tenant_id: str, integration_id: str, query: DeliveryQuery) -> DeliveryPage:
    """Newest first; a deleted integration's log stays readable until it expires."""
    items, next_cursor = deliveries_repo.log_page(tenant_id, integration_id, query.limit, query.cursor,
                                                  query.status)
    if not items and not query.cursor and integrations_repo.get(tenant_id, integration_id) is None:
        raise NotFound(f"no integration {integration_id!r}")
    return DeliveryPage(items=items, next_cursor=next_cursor)


def _refusal(delivery: Delivery) -> str | None:
    """Why a redrive now would only end ``skipped`` again: it is refused instead, so nothing becomes a dead end."""
    if delivery.bypass_active and delivery.recipients:
        return None  # a notice about the integration itself goes out whatever its state
    integration = integrations_repo.get(delivery.tenant_id, delivery.integration_id)
    if integration is None:
        return "the integration was deleted, so this delivery cannot be sent again"
    if not integration.active:
        return (f"the integration is disabled ({integration.disabled_reason or 'manual'}): enable the integration "
                "first, then redrive this delivery")
    return None


def redrive(tenant_id: str, delivery_id: str, integration_id: str | None = None) -> Delivery:
    """Send a dead or skipped delivery again with a fresh retry schedule, to the addresses that have not got it;
    refused (409) while its integration is disabled or deleted. A path that names the integration
    (``integration_id``) finds only that integration's deliveries (404 otherwise, before anything is done)."""
    delivery = deliveries_repo.get(tenant_id, delivery_id)
    if delivery is None or integration_id not in (None, delivery.integration_id):
        raise NotFound(f"no delivery {delivery_id!r}")
    if delivery.status not in ("dead", "skipped"):
        raise Conflict(f"only dead or skipped deliveries can be redriven; this one is {delivery.status!r}")
    if refusal := _refusal(delivery):
        raise Conflict(refusal)
    if not deliveries_repo.restart(delivery, clock.now()):
        raise Conflict("this delivery was redriven meanwhile")
    outbox.redrive(delivery)
    restarted = deliveries_repo.get(tenant_id, delivery_id)
    assert restarted is not None
    return restarted
