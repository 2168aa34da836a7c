"""Put a delivery on its way: the row first (source of truth), then the queue message for try 1."""

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.aws import deliveries_repo, queue
from chalicelib.models.deliveries import Delivery
from chalicelib.models.integrations import Integration

if TYPE_CHECKING:  # the email package is for senders; the delivery log and redrive routes import this module
    from chalicelib.email.message import Content


def delivery_id(created_at: datetime, *parts: str) -> str:
    """Sortable by creation time, and the same for the same inputs (re-routing writes nothing new)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
    return f"{created_at:%Y%m%dT%H%M%S%f}-{digest}"


def enqueue(integration: Integration, content: "Content", created_at: datetime, source_id: str, *,
            kind: str = "notification", event_type: str | None = None, subscription: str | None = None,
            farewell: bool = False, attachment_key: str | None = None, skipped: str | None = None) -> Delivery:
    """Create the delivery row (idempotent on ``source_id``) and queue its first try; with ``skipped`` (the
    reason, e.g. a disabled integration) the row only records it, to be redriven once the cause is gone."""
    delivery = Delivery(
        id=delivery_id(created_at, source_id, integration.id), tenant_id=integration.tenant_id,
        integration_id=integration.id, kind=kind, event_id=source_id, event_type=event_type,
        subscription=subscription, subject=content.subject, html=content.html, text=content.text,
        attachment_key=attachment_key, recipients=integration.emails if farewell else None, bypass_active=farewell,
        created_at=created_at, updated_at=clock.now(), next_try_at=None if skipped else clock.now(),
        status="skipped" if skipped else "queued", reason=skipped,
    )
    created = deliveries_repo.create(delivery)
    if not skipped and (created or _still_waiting(delivery)):
        queue.send_delivery(delivery.tenant_id, delivery.id, 1, clock.now().isoformat())
    return delivery


def skipped_while_disabled(integration: Integration) -> str:
    """Why a disabled integration's delivery is ``skipped``, in the words the log shows."""
    return (f"the integration is disabled ({integration.disabled_reason or 'manual'}); enable it, then redrive "
            "this delivery")


def _still_waiting(delivery: Delivery) -> bool:
    stored = deliveries_repo.get(delivery.tenant_id, delivery.id)
    return stored is not None and stored.status == "queued" and stored.claimed == 0


def redrive(delivery: Delivery) -> None:
    """Start a dead delivery's schedule again from try 1."""
    queue.send_delivery(delivery.tenant_id, delivery.id, 1, clock.now().isoformat())
