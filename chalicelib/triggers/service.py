"""Use cases for triggers: create, read, change, delete, and forgetting a deleted integration."""

import time
import uuid
from datetime import timedelta

from chalicelib import clock, limits
from chalicelib.aws import integrations_repo, security_repo, tenants_repo, triggers_repo
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.models.backtest import TriggerPreview
from chalicelib.models.integrations import Integration
from chalicelib.models.triggers import (
    MAX_TRIGGER_INTEGRATIONS,
    ThresholdCondition,
    Trigger,
    TriggerCreate,
    TriggerPage,
    TriggerUpdate,
)
from chalicelib.observability import logger
from chalicelib.settings import get_settings
from chalicelib.triggers import backtest

MANUAL = "manual"
_WRITE_TRIES = 3
# tenant id → (monotonic time read, active triggers): ingest reads a tenant's triggers once per few seconds
_active: dict[str, tuple[float, list[Trigger]]] = {}


def active(tenant_id: str) -> list[Trigger]:
    """The tenant's active triggers, cached for ``trigger_cache_seconds`` (writes here drop the entry; another
    process sees a change within that time)."""
    cached = _active.get(tenant_id)
    if cached and time.monotonic() - cached[0] < get_settings().trigger_cache_seconds:
        return cached[1]
    found = [trigger for trigger in triggers_repo.all_for_tenant(tenant_id) if trigger.active]
    _active[tenant_id] = (time.monotonic(), found)
    return found


def _check_integrations(tenant_id: str, integration_ids: list[str]) -> None:
    """Each id must name an integration of the tenant (another tenant's is as unknown as a missing one)."""
    known = {integration.id for integration in integrations_repo.all_for_tenant(tenant_id)}
    details = [{"path": f"integration_ids.{n}", "message": f"no integration {integration_id!r} in this tenant"}
               for n, integration_id in enumerate(integration_ids) if integration_id not in known]
    if details:
        raise NotFound("integration_ids name no integration of this tenant", details)
    if len(integration_ids) > MAX_TRIGGER_INTEGRATIONS:  # the actions of the Terraform shape, together
        raise ValidationFailed(f"at most {MAX_TRIGGER_INTEGRATIONS} integrations per trigger",
                               [{"path": "actions", "message": f"{len(integration_ids)} integrations"}])


def create(tenant_id: str, body: TriggerCreate) -> Trigger:
    assert body.name and body.integration_ids and body.condition
    _check_integrations(tenant_id, body.integration_ids)
    moment = clock.now()
    trigger = Trigger(id=str(uuid.uuid4()), tenant_id=tenant_id, name=body.name, comment=body.comment,
                      active=body.active, disabled_reason=None if body.active else MANUAL,
                      integration_ids=body.integration_ids, condition=body.condition,
                      created_at=moment, updated_at=moment)
    limit = get_settings().max_triggers_per_tenant
    if not triggers_repo.create(trigger, limit):
        raise Conflict(f"a tenant can have at most {limit} triggers; delete one first")
    _active.pop(tenant_id, None)
    return trigger


def preview(tenant_id: str, body: TriggerCreate) -> TriggerPreview:
    """What ``body`` would have sent over the last 30 days (``backtest``), checked as :func:`create` checks it;
    stores nothing. Rate-limited per tenant (429)."""
    assert body.integration_ids and body.condition
    _check_integrations(tenant_id, body.integration_ids)
    if not isinstance(body.condition, ThresholdCondition):
        raise ValidationFailed("a backtest covers threshold conditions (attacks, hits or incidents)",
                               [{"path": "condition", "message": "stored data counts attacks, hits and "
                                                                 "incidents, not API changes or new users"}])
    settings = get_settings()
    limits.enforce(limits.Limit(f"trigger-previews#{tenant_id}", settings.trigger_preview_rate_limit,
                                settings.trigger_preview_rate_window_seconds, "trigger backtests per tenant"))
    tenant = tenants_repo.get(tenant_id)
    if tenant is None:
        raise NotFound("no such tenant")
    start, end = backtest.period(clock.now(), tenant.timezone)
    half = timedelta(minutes=30)  # the read takes hours by their midpoint: widen it to every hour that overlaps
    data = security_repo.read(tenant_id, start - half, end + half, vulnerabilities=False)
    return backtest.run(body.condition, tenant.timezone, start, end, data.aggregates, data.incidents)


def get(tenant_id: str, trigger_id: str) -> Trigger:
    """The tenant's trigger; another tenant's is as absent as a missing one."""
    trigger = triggers_repo.get(tenant_id, trigger_id)
    if trigger is None:
        raise NotFound(f"no trigger {trigger_id!r}")
    return trigger


def page(tenant_id: str, limit: int, cursor: str | None) -> TriggerPage:
    items, next_cursor = triggers_repo.page(tenant_id, limit, cursor)
    return TriggerPage(items=items, next_cursor=next_cursor)


def _changes(current: Trigger, patch: TriggerUpdate) -> dict[str, object]:
    changes: dict[str, object] = patch.model_dump(exclude_unset=True)
    if "condition" in changes:
        changes["condition"] = patch.condition
    if changes.get("active") is True and not current.active:
        if not changes.get("integration_ids", current.integration_ids):
            raise ValidationFailed("choose an integration before enabling the trigger",
                                   [{"path": "integration_ids", "message": "at least one integration is required"}])
        changes["disabled_reason"] = None
    elif changes.get("active") is False and current.active:
        changes["disabled_reason"] = MANUAL
    return changes


def update(tenant_id: str, trigger_id: str, patch: TriggerUpdate) -> Trigger:
    """Partial update guarded by the item's version; a changed condition starts counting from zero."""
    if patch.integration_ids is not None:
        _check_integrations(tenant_id, patch.integration_ids)
    for attempt in range(_WRITE_TRIES):
        current = get(tenant_id, trigger_id)
        changes = _changes(current, patch)
        if not changes:
            return current
        new = current.model_copy(update={**changes, "updated_at": clock.now(), "version": current.version + 1})
        try:
            triggers_repo.replace(current, new)
            _active.pop(tenant_id, None)
            return new
        except Conflict:
            if attempt == _WRITE_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def delete(tenant_id: str, trigger_id: str) -> None:
    deleted = triggers_repo.delete(get(tenant_id, trigger_id))
    _active.pop(tenant_id, None)
    if not deleted:
        raise NotFound(f"no trigger {trigger_id!r}")


def forget_integration(integration: Integration) -> int:
    """Remove a deleted integration from every trigger of its tenant; a trigger left with none is deactivated
    and says why. Returns the number of triggers changed."""
    changed = 0
    for trigger in triggers_repo.all_for_tenant(integration.tenant_id):
        for _ in range(_WRITE_TRIES):
            if integration.id not in trigger.integration_ids:
                break
            remaining = [i for i in trigger.integration_ids if i != integration.id]
            changes: dict[str, object] = {"integration_ids": remaining}
            if not remaining:
                changes |= {"active": False, "disabled_reason": f"its last integration ({integration.name}) was "
                                                                 "deleted; choose an integration and enable it"}
            new = trigger.model_copy(update={**changes, "updated_at": clock.now(), "version": trigger.version + 1})
            try:
                triggers_repo.replace(trigger, new)
                changed += 1
                break
            except Conflict:
                trigger = triggers_repo.get(integration.tenant_id, trigger.id) or trigger.model_copy(
                    update={"integration_ids": []})
    _active.pop(integration.tenant_id, None)
    if changed:
        logger.info("integration removed from triggers", extra={"tenant_id": integration.tenant_id,
                                                                "integration_id": integration.id, "triggers": changed})
    return changed
