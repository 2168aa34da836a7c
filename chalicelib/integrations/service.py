"""Use cases for integrations: create, read, change, enable/disable and delete."""

import uuid
from collections.abc import Callable

from chalicelib import clock
from chalicelib.aws import integrations_repo
from chalicelib.errors import Conflict, NotFound
from chalicelib.models import Integration, IntegrationCreate, IntegrationPage, IntegrationUpdate

MANUAL = "manual"
_WRITE_TRIES = 3


def new_integration(tenant_id: str, name: str, emails: list[str], events: list[str]) -> Integration:
    moment = clock.now()
    return Integration(id=str(uuid.uuid4()), tenant_id=tenant_id, name=name, emails=emails, events=events,
                       created_at=moment, updated_at=moment)


def create(tenant_id: str, data: IntegrationCreate) -> Integration:
    integration = new_integration(tenant_id, data.name, data.emails, data.events)
    integrations_repo.create(integration)
    return integration


def get(tenant_id: str, integration_id: str) -> Integration:
    """The tenant's integration; another tenant's is as absent as a missing one."""
    integration = integrations_repo.get(tenant_id, integration_id)
    if integration is None:
        raise NotFound(f"no integration {integration_id!r}")
    return integration


def page(tenant_id: str, limit: int, cursor: str | None) -> IntegrationPage:
    items, next_cursor = integrations_repo.page(tenant_id, limit, cursor)
    return IntegrationPage(items=items, next_cursor=next_cursor)


def _change(tenant_id: str, integration_id: str, edit: Callable[[Integration], dict[str, object]]) -> Integration:
    """Read-modify-write guarded by the item's version; retried on a concurrent change."""
    for attempt in range(_WRITE_TRIES):
        current = get(tenant_id, integration_id)
        changes = edit(current)
        if not changes:
            return current
        new = current.model_copy(update={**changes, "updated_at": clock.now(), "version": current.version + 1})
        try:
            integrations_repo.replace(current, new)
            return new
        except Conflict as conflict:
            if conflict.details or attempt == _WRITE_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def update(tenant_id: str, integration_id: str, patch: IntegrationUpdate) -> Integration:
    return _change(tenant_id, integration_id, lambda _: patch.model_dump(exclude_unset=True))


def set_active(tenant_id: str, integration_id: str, active: bool, reason: str | None = None) -> Integration:
    """Enable (clears the reason) or disable with ``reason``; a no-op when already in that state."""
    def edit(current: Integration) -> dict[str, object]:
        if current.active == active:
            return {}
        return {"active": active, "disabled_reason": None if active else (reason or MANUAL)}

    return _change(tenant_id, integration_id, edit)


def delete(tenant_id: str, integration_id: str) -> Integration:
    integration = get(tenant_id, integration_id)
    if not integrations_repo.delete(integration):
        raise NotFound(f"no integration {integration_id!r}")
    return integration
