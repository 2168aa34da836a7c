"""Ingest: validate each event, record it once per id, and route it exactly once.

Only the platform's event types come in from outside (``POST /v1/events``, EventBridge); this service's own notices
are :func:`emit`-ted, under ids no producer can post (``models.events.own_id``).

Routing an id is claimed first (``EventStore.claim``, a lease; a new event is recorded with its claim): of any
number of concurrent copies exactly one routes and counts it. A copy that finds the claim taken queues a route
message for when the lease ends, and the route worker routes the event then if it is still unrouted, so an event
whose router died is not lost.

A call whose events make at most ``inline_deliveries`` deliveries routes them itself (a small batch is mailed at
once); a larger one hands its events to the route worker through ``route_queue``, so the answer takes bounded time
whatever the fan-out.
"""

import uuid
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from chalicelib import clock
from chalicelib.aws import queue
from chalicelib.errors import NotFound
from chalicelib.events import router, security
from chalicelib.models.common import ErrorDetail, ErrorInfo
from chalicelib.models.events import Event, EventResult, EventResults, PlatformEvent, own_id
from chalicelib.models.integrations import Integration
from chalicelib.models.tenants import Tenant
from chalicelib.models.triggers import Trigger
from chalicelib.observability import count, logger
from chalicelib.settings import get_settings
from chalicelib.stores import Stores
from chalicelib.stores.events import Claim, StoredEvent
from chalicelib.triggers import evaluate
from chalicelib.triggers import service as trigger_service


def _rejected(event_id: Any, error: ValidationError, prefix: str = "") -> EventResult:
    details = [ErrorDetail(path=prefix + ".".join(str(p) for p in err["loc"]), message=err["msg"])
               for err in error.errors(include_url=False)]
    return EventResult(id=event_id if isinstance(event_id, str) else None, status="rejected",
                       error=ErrorInfo(code="validation_failed", message="the event is invalid", details=details))


def _tenant(stores: Stores, tenant_id: str) -> Tenant:
    tenant = stores.tenants.get(tenant_id)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id!r}")
    return tenant


class Audience:
    """A tenant with its integrations and active triggers, each read once (when first needed) for all the events
    of one ingest call."""

    def __init__(self, stores: Stores, tenant: Tenant) -> None:
        self.stores = stores
        self.tenant = tenant

    @cached_property
    def integrations(self) -> list[Integration]:
        return self.stores.integrations.all_for_tenant(self.tenant.id)

    @cached_property
    def triggers(self) -> list[Trigger]:
        return trigger_service.active(self.tenant.id)


def _route(audience: Audience, event: Event, received_at: datetime, farewell: Integration | None = None) -> None:
    """Route a claimed event: the security store, the deliveries, the triggers; then mark it routed."""
    tenant = audience.tenant
    vulnerability = security.record(tenant.id, event)  # idempotent on the event id: safe to route again
    deliveries = router.route(tenant, lambda: evaluate.mailed_instead(event, audience.integrations,
                                                                      lambda: audience.triggers),
                              event, received_at, farewell, vulnerability)
    alerts = evaluate.evaluate(tenant, event, received_at, lambda: audience.triggers)
    audience.stores.events.mark_routed(tenant.id, event.id)
    count("EventsIngested")
    logger.info("event routed", extra={"tenant_id": tenant.id, "event_id": event.id, "event_type": event.type,
                                       "deliveries": deliveries, "trigger_alerts": alerts})


def _new_claim(now: datetime) -> Claim:
    return Claim(uuid.uuid4().hex, clock.shift(now, timedelta(seconds=get_settings().route_lease_seconds)))


def _route_if_claimed(audience: Audience, event: Event, stored: StoredEvent, farewell: Integration | None = None,
                      held: bool = False, handed: str | None = None) -> None:
    """Route the event if this caller ``held`` its claim (it has just recorded the event with a fresh one) or wins
    it now (``handed``: the claim it was given, taken over with a fresh lease); else (another router holds it) make
    sure it is looked at again when that claim ends."""
    now = clock.now()
    taken = _new_claim(now)
    if held or audience.stores.events.claim(audience.tenant.id, event.id, now, taken, handed):
        _route(audience, event, stored.received_at, farewell)
    else:
        queue.send_routes(audience.tenant.id, [(event.id, None)], taken.until, now)


def _checked(raw: Any) -> Event | EventResult:
    """An event from outside, or its rejection: a platform type, a producer's id, data of the type's model."""
    event_id = raw.get("id") if isinstance(raw, dict) else None
    try:
        event = PlatformEvent.model_validate(raw)
    except ValidationError as error:
        return _rejected(event_id, error)
    try:
        event.details()
    except ValidationError as error:
        return _rejected(event_id, error, "data.")
    return event


def ingest(stores: Stores, tenant_id: str, raw_events: list[Any], tenant: Tenant | None = None) -> EventResults:
    """``POST /v1/events`` and the EventBridge handler: a result per event, in order; ``tenant`` when the caller
    has just read it (the API's authentication), so it is not read twice. The valid events are recorded at once,
    then routed here if their deliveries fit the inline budget, else queued for the route worker."""
    audience = Audience(stores, tenant or _tenant(stores, tenant_id))
    checked = [_checked(raw) for raw in raw_events]
    unique: dict[str, Event] = {}
    for item in checked:
        if isinstance(item, Event):
            unique.setdefault(item.id, item)  # a repeated id in one batch is the first one's duplicate
    now = clock.now()
    held = _new_claim(now)  # a new event is recorded claimed by this call: routing it costs no extra write
    stored = dict(zip(unique, stores.events.record_all(audience.tenant.id, list(unique.values()), now, held),
                      strict=True))
    unrouted = [event for event in unique.values() if not stored[event.id][1].routed]
    inline = sum(router.reach(event, lambda: audience.integrations) for event in unrouted) \
        <= get_settings().inline_deliveries
    results: list[EventResult] = []
    answered: set[str] = set()
    queued: list[tuple[str, str | None]] = []
    for item in checked:
        if isinstance(item, EventResult):
            results.append(item)
            continue
        new, row = stored[item.id]
        if item.id not in answered and not row.routed:
            if inline:
                _route_if_claimed(audience, item, row, held=new)
            else:
                queued.append((item.id, held.holder if new else None))  # the route worker takes over this claim
        results.append(EventResult(id=item.id, status="accepted" if new and item.id not in answered else "duplicate"))
        answered.add(item.id)
    if queued:  # before the answer: an event answered "accepted" is recorded and on its way
        queue.send_routes(audience.tenant.id, queued)
        count("EventsQueuedForRouting", len(queued))
    return EventResults(results=results)


def route_queued(stores: Stores, body: dict[str, Any]) -> None:
    """The route worker: route each stored event of the message if nobody has (or is still doing so); a claim held
    elsewhere is looked at again when it ends. A failure brings the whole message back: what was routed is skipped."""
    now = clock.now()
    if body.get("due") and queue.chain(get_settings().route_queue, body, now):
        return
    tenant = stores.tenants.get(body["tenant_id"])
    if tenant is None:
        return  # deleted with its tenant
    audience = Audience(stores, tenant)  # the tenant's integrations and triggers, read once for the message's events
    kept = stores.events.get_many(tenant.id, [entry["id"] for entry in body["events"]])
    for entry in body["events"]:
        stored = kept.get(entry["id"])
        if stored is None or stored.routed:
            continue  # expired, or routed by another copy
        _route_if_claimed(audience, stored.event, stored, handed=entry.get("claim"))


def handle_batch(stores: Stores, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch of route messages → partial batch response."""
    return queue.process_batch(event, context, lambda body: route_queued(stores, body))


def emit(stores: Stores, tenant_id: str, event_type: str, data: dict[str, Any], farewell: Integration | None = None,
         event_id: str | None = None) -> None:
    """An event of this service itself (``integration.*``), routed at once (a deletion notice goes out before the
    integration is removed); give ``event_id`` when the event can happen only once, so a concurrent or repeated
    emit is a duplicate and tells nobody twice. Its id is :func:`own_id`'s, which no producer can post."""
    raw = {"id": own_id(event_id or str(uuid.uuid4())), "type": event_type, "time": clock.now().isoformat(),
           "data": data}
    try:
        event = Event.model_validate(raw)
        event.details()
    except ValidationError as error:
        logger.error("service event rejected", extra={"event": raw, "result": _rejected(raw["id"], error).model_dump()})
        return
    held = _new_claim(clock.now())
    new, stored = stores.events.record(tenant_id, event, clock.now(), held)
    if not stored.routed:
        _route_if_claimed(Audience(stores, _tenant(stores, tenant_id)), event, stored, farewell, held=new)
