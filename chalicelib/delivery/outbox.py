"""Put deliveries on their way: the rows first (source of truth), then the queue messages for try 1."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

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


@dataclass(frozen=True)
class Target:
    """One integration a message goes to: ``farewell`` when it is the one the notice is about (told whatever its
    state), ``skipped`` the reason it gets only a row (e.g. it is disabled), to be redriven once that is gone."""

    integration: Integration
    farewell: bool = False
    skipped: str | None = None


def enqueue_all(targets: list[Target], content: "Content", created_at: datetime, source_id: str, *,
                kind: str = "notification", event_type: str | None = None, subscription: str | None = None,
                attachment_key: str | None = None, data_key: str | None = None) -> list[Delivery]:
    """Create the delivery rows (idempotent on ``source_id``; one transaction per 25) and queue their first tries
    (ten messages per request)."""
    now = clock.now()
    deliveries = [Delivery(
        id=delivery_id(created_at, source_id, target.integration.id), tenant_id=target.integration.tenant_id,
        integration_id=target.integration.id, kind=kind, event_id=source_id, event_type=event_type,
        subscription=subscription, subject=content.subject, html=content.html, text=content.text,
        severity=content.severity, attachment_key=attachment_key, data_key=data_key,
        recipients=target.integration.emails if target.farewell else None,
        bypass_active=target.farewell, created_at=created_at, updated_at=now,
        next_try_at=None if target.skipped else now, status="skipped" if target.skipped else "queued",
        reason=target.skipped, thread=content.thread, about=content.about,
    ) for target in targets]
    created = deliveries_repo.create_all(deliveries)
    queue.send_deliveries([(first_try(delivery, now, target.integration.emails), 0)
                           for delivery, target, new in zip(deliveries, targets, created, strict=True)
                           if delivery.status == "queued" and (new or _still_waiting(delivery))])
    return deliveries


def enqueue(integration: Integration, content: "Content", created_at: datetime, source_id: str, *,
            farewell: bool = False, skipped: str | None = None, **fields: Any) -> Delivery:
    """:func:`enqueue_all` for one integration."""
    return enqueue_all([Target(integration, farewell, skipped)], content, created_at, source_id, **fields)[0]


def first_try(delivery: Delivery, at: datetime, addresses: list[str] | None = None) -> dict[str, Any]:
    """The message for try 1 of ``delivery``, due at ``at``; ``addresses``: its integration's, as a hint."""
    return queue.delivery_message(delivery.tenant_id, delivery.id, delivery.integration_id, 1, at.isoformat(),
                                  delivery.recipients if delivery.bypass_active else None, addresses, delivery.about)


def skipped_while_disabled(integration: Integration) -> str:
    """Why a disabled integration's delivery is ``skipped``, in the words the log shows."""
    return (f"the integration is disabled ({integration.disabled_reason or 'manual'}); enable it, then redrive "
            "this delivery")


def _still_waiting(delivery: Delivery) -> bool:
    stored = deliveries_repo.get(delivery.tenant_id, delivery.id)
    return stored is not None and stored.status == "queued" and stored.claimed == 0


def redrive(delivery: Delivery) -> None:
    """Start a dead delivery's schedule again from try 1."""
    queue.send_deliveries([(first_try(delivery, clock.now()), 0)])
