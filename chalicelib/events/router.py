"""Which integrations an event goes to, and the deliveries it creates."""

from datetime import datetime

from chalicelib.aws import integrations_repo
from chalicelib.delivery import outbox
from chalicelib.email import notifications
from chalicelib.models import Event, Integration, Tenant, VulnerabilityData

SYSTEM_EVENTS = frozenset({
    "user.created", "user.deleted", "user.role_changed",
    "application.created", "application.deleted", "application.renamed",
    "integration.disabled", "integration.deleted", "integration.degraded",
})


def subscription(event: Event) -> str | None:
    """The subscribable event type (DESIGN §1) an event belongs to, if any."""
    if event.type in SYSTEM_EVENTS:
        return "system"
    if event.type == "vulnerability.detected":
        details = event.details()
        assert isinstance(details, VulnerabilityData)
        return f"vuln_{details.risk}"
    if event.type == "scope.changed":
        return "scope"
    return None


def route(tenant: Tenant, event: Event, received_at: datetime, farewell: Integration | None = None) -> int:
    """One delivery per active subscribed integration; ``farewell`` (the integration the event is about)
    is told even though it is being disabled or deleted. A disabled subscribed integration gets a ``skipped``
    row saying so, which can be redriven once it is enabled. Returns the number of deliveries queued."""
    kind = subscription(event)
    if kind is None:
        return 0
    subscribed = [i for i in integrations_repo.all_for_tenant(tenant.id) if i.subscribes(kind)]
    if farewell and farewell.subscribes(kind) and all(i.id != farewell.id for i in subscribed):
        subscribed.append(farewell)
    if not subscribed:
        return 0
    content = notifications.render(event, tenant.name, tenant.timezone)
    queued = 0
    for integration in subscribed:
        told = farewell is not None and integration.id == farewell.id
        skipped = None if integration.active or told else outbox.skipped_while_disabled(integration)
        outbox.enqueue(integration, content, received_at, event.id, event_type=event.type, subscription=kind,
                       farewell=told, skipped=skipped)
        queued += skipped is None
    return queued
