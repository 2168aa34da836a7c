"""Ingest: validate each event, record it once per id, then route it. Nothing accepted is lost:
an event recorded but not yet routed is routed again when its id comes back."""

import uuid
from datetime import datetime
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from chalicelib import clock
from chalicelib.aws import events_repo, integrations_repo, tenants_repo
from chalicelib.errors import NotFound
from chalicelib.events import router, security
from chalicelib.models.common import ErrorDetail, ErrorInfo
from chalicelib.models.events import Event, EventResult, EventResults
from chalicelib.models.integrations import Integration
from chalicelib.models.tenants import Tenant
from chalicelib.models.triggers import Trigger
from chalicelib.observability import count, logger
from chalicelib.triggers import evaluate
from chalicelib.triggers import service as trigger_service


def _rejected(event_id: Any, error: ValidationError, prefix: str = "") -> EventResult:
    details = [ErrorDetail(path=prefix + ".".join(str(p) for p in err["loc"]), message=err["msg"])
               for err in error.errors(include_url=False)]
    return EventResult(id=event_id if isinstance(event_id, str) else None, status="rejected",
                       error=ErrorInfo(code="validation_failed", message="the event is invalid", details=details))


def _tenant(tenant_id: str) -> Tenant:
    tenant = tenants_repo.get(tenant_id)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id!r}")
    return tenant


class Audience:
    """A tenant with its integrations and active triggers, each read once (when first needed) for all the events
    of one ingest call."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    @cached_property
    def integrations(self) -> list[Integration]:
        return integrations_repo.all_for_tenant(self.tenant.id)

    @cached_property
    def triggers(self) -> list[Trigger]:
        return trigger_service.active(self.tenant.id)


def ingest_one(audience: Audience, raw: Any, farewell: Integration | None = None) -> EventResult:
    tenant = audience.tenant
    event_id = raw.get("id") if isinstance(raw, dict) else None
    try:
        event = Event.model_validate(raw)
    except ValidationError as error:
        return _rejected(event_id, error)
    try:
        event.details()
    except ValidationError as error:
        return _rejected(event_id, error, "data.")
    new, stored = events_repo.record(tenant.id, event, clock.now())
    if not new and stored.get("routed"):
        return EventResult(id=event.id, status="duplicate")
    vulnerability = security.record(tenant.id, event)  # idempotent on the event id: safe to route again
    received_at = datetime.fromisoformat(stored["received_at"])
    deliveries = router.route(tenant, lambda: evaluate.mailed_instead(event, audience.integrations,
                                                                      lambda: audience.triggers),
                              event, received_at, farewell, vulnerability)
    alerts = evaluate.evaluate(tenant, event, received_at, lambda: audience.triggers)
    events_repo.mark_routed(tenant.id, event.id)
    count("EventsIngested")
    logger.info("event routed", extra={"tenant_id": tenant.id, "event_id": event.id, "event_type": event.type,
                                       "deliveries": deliveries, "trigger_alerts": alerts})
    return EventResult(id=event.id, status="accepted" if new else "duplicate")


def ingest(tenant_id: str, raw_events: list[Any], tenant: Tenant | None = None) -> EventResults:
    """``POST /v1/events`` and the EventBridge handler: a result per event, in order; ``tenant`` when the caller
    has just read it (the API's authentication), so it is not read twice."""
    audience = Audience(tenant or _tenant(tenant_id))
    return EventResults(results=[ingest_one(audience, raw) for raw in raw_events])


def emit(tenant_id: str, event_type: str, data: dict[str, Any], farewell: Integration | None = None,
         event_id: str | None = None) -> None:
    """An event of this service itself (``integration.*``), routed like any other; give ``event_id`` when the
    event can happen only once, so a concurrent or repeated emit is a duplicate and tells nobody twice."""
    raw = {"id": event_id or f"svc-{uuid.uuid4()}", "type": event_type, "time": clock.now().isoformat(),
           "data": data}
    result = ingest_one(Audience(_tenant(tenant_id)), raw, farewell)
    if result.status == "rejected":
        logger.error("service event rejected", extra={"event": raw, "result": result.model_dump()})
