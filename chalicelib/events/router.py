"""Which integrations an event goes to, and the deliveries it creates.

A vulnerability event is mailed for what it changed (:class:`VulnerabilityChange`), to ``vuln_<risk>``
subscribers: a new finding as "detected", a fix of an open one as "fixed", a reopening as "reopened"
(``vulnerability.status_changed``); a re-detection of an open one, a false positive or a late event that
changes no current status sends nothing. The mailed data is completed from the stored record, so a
``{id, status}`` change still names the risk, title, host and target.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chalicelib.delivery import outbox
from chalicelib.digests import collect
from chalicelib.email import notifications, threads
from chalicelib.models.events import EVENTS, VULN_EVENTS, Event, VulnerabilityData
from chalicelib.models.integrations import Integration
from chalicelib.models.security import DESCRIPTION, VulnerabilityChange
from chalicelib.models.snoozes import about_vulnerability
from chalicelib.models.tenants import Tenant

VULNERABILITY_EVENTS = frozenset(event_type for event_type, kind in EVENTS.items() if kind.subscription == "vuln")


def subscription(event: Event) -> str | None:
    """The subscribable event type (DESIGN §1) an event belongs to, if any: the registry's."""
    kind = EVENTS[event.type].subscription
    if kind == "vuln":  # completed by vulnerability_notice: risk is always there
        return f"vuln_{VulnerabilityData.model_validate(event.data).risk}"
    return kind


def reach(event: Event, integrations: Callable[[], list[Integration]]) -> int:
    """At most how many deliveries routing ``event`` makes (before a vulnerability's change is known): what an
    ingest call weighs to route it itself or queue it. Reads the integrations only for a mailed type."""
    kind = EVENTS[event.type].subscription
    if kind is None:
        return 0
    kinds = VULN_EVENTS if kind == "vuln" else (kind,)
    return sum(any(integration.subscribes(k) for k in kinds) for integration in integrations())


def vulnerability_notice(event: Event, change: VulnerabilityChange | None) -> Event | None:
    """The event to mail for a vulnerability change, its data completed from the stored record; ``None``
    when the change calls for no mail."""
    if change is None or change.notice is None:
        return None
    record = change.vulnerability
    data: dict[str, Any] = {**event.data, **record.model_dump(include=set(DESCRIPTION)), "id": record.id,
                            "status": record.status, "previous_status": change.previous_status,
                            **notifications.timing(record)}
    mailed = "vulnerability.detected" if change.notice == "detected" else "vulnerability.status_changed"
    return event.model_copy(update={"type": mailed, "data": {k: v for k, v in data.items() if v not in (None, "")}})


@dataclass(frozen=True)
class Plan:
    """Who gets an event: the event as mailed, the subscription it is sent under, and one target per integration."""

    mailed: Event
    kind: str
    targets: list[outbox.Target]


def plan(event: Event, integrations: Callable[[], list[Integration]], farewell: Integration | None = None,
         vulnerability: VulnerabilityChange | None = None) -> Plan | None:
    """One target per subscribed integration: an active one is sent the mail; a disabled one gets a ``skipped`` row
    saying so (redriven once it is enabled); ``farewell`` (the integration the event is about) is told even though it
    is being disabled or deleted. ``None`` when nobody gets it."""
    mailed = vulnerability_notice(event, vulnerability) if event.type in VULNERABILITY_EVENTS else event
    if mailed is None:
        return None
    kind = subscription(mailed)
    if kind is None:
        return None
    subscribed = [i for i in integrations() if i.subscribes(kind)]
    if farewell and farewell.subscribes(kind) and all(i.id != farewell.id for i in subscribed):
        subscribed.append(farewell)
    if not subscribed:
        return None
    targets = []
    for integration in subscribed:
        told = farewell is not None and integration.id == farewell.id
        skipped = None if integration.active or told else outbox.skipped_while_disabled(integration)
        targets.append(outbox.Target(integration, told, skipped))
    return Plan(mailed, kind, targets)


def route(tenant: Tenant, integrations: Callable[[], list[Integration]], event: Event, received_at: datetime,
          farewell: Integration | None = None, vulnerability: VulnerabilityChange | None = None) -> int:
    """Deliver :func:`plan`'s targets; ``vulnerability`` is what a vulnerability event changed; ``integrations()``
    are the tenant's (read once for a batch of events, if one routes anywhere). One that takes a digest gets an
    entry in it instead (``digests.collect``). Returns the number of deliveries queued."""
    found = plan(event, integrations, farewell, vulnerability)
    if found is None:
        return 0
    mailed, kind = found.mailed, found.kind
    record = vulnerability.vulnerability if vulnerability and mailed.type in VULNERABILITY_EVENTS else None
    content = replace(notifications.render(mailed, tenant.name, tenant.timezone, sla=tenant.sla_days),
                      thread=threads.of_event(tenant.id, mailed),
                      about=about_vulnerability(record.id, record.status, record.history[-1].at) if record
                      else None)
    targets = collect.divert(tenant.id, tenant.timezone, found.targets, content, event.id, kind, mailed.type,
                             mailed.time)
    if targets:
        outbox.enqueue_all(targets, content, received_at, event.id, event_type=event.type, subscription=kind)
    return sum(target.skipped is None for target in targets)
