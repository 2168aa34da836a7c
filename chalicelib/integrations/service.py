"""Use cases for integrations: create, read, change, enable/disable and delete."""

import uuid
from collections.abc import Callable

from chalicelib import clock
from chalicelib.errors import Conflict, NotFound
from chalicelib.models.common import MAX_RECIPIENTS
from chalicelib.models.integrations import (
    Integration,
    IntegrationCreate,
    IntegrationPage,
    IntegrationUpdate,
    QuietHours,
    Unsubscribed,
    new_unsubscribe_key,
)
from chalicelib.reports import protection, schedules
from chalicelib.stores import Stores
from chalicelib.triggers import service as trigger_service

MANUAL = "manual"
_WRITE_TRIES = 3


def new_integration(tenant_id: str, name: str, emails: list[str], events: list[str],
                    notifications: str = "instant", attach_data: bool = False,
                    sla_reminders: bool = False, report_hour: int = 0,
                    quiet_hours: QuietHours | None = None) -> Integration:
    moment = clock.now()
    return Integration(id=str(uuid.uuid4()), tenant_id=tenant_id, name=name, emails=emails, events=events,
                       created_at=moment, updated_at=moment, unsubscribe_key=new_unsubscribe_key(),
                       notifications=notifications, attach_data=attach_data, sla_reminders=sla_reminders,
                       report_hour=report_hour, quiet_hours=quiet_hours)


def create(stores: Stores, tenant_id: str, data: IntegrationCreate) -> Integration:
    integration = new_integration(tenant_id, data.name, data.emails, data.events, data.notifications,
                                  data.attach_data, data.sla_reminders, data.report_hour, data.quiet_hours)
    if data.pdf_password is not None:
        sealed = protection.seal(tenant_id, integration.id, data.pdf_password)
        integration = integration.model_copy(update={"pdf_password_sealed": sealed})
    stores.integrations.create(integration)
    schedules.follow(stores, None, integration)
    return integration


def get(stores: Stores, tenant_id: str, integration_id: str) -> Integration:
    """The tenant's integration; another tenant's is as absent as a missing one."""
    integration = stores.integrations.get(tenant_id, integration_id)
    if integration is None:
        raise NotFound(f"no integration {integration_id!r}")
    return integration


def page(stores: Stores, tenant_id: str, limit: int, cursor: str | None) -> IntegrationPage:
    items, next_cursor = stores.integrations.page(tenant_id, limit, cursor)
    return IntegrationPage(items=items, next_cursor=next_cursor)


def _change(stores: Stores, tenant_id: str, integration_id: str,
            edit: Callable[[Integration], dict[str, object]]) -> tuple[Integration, bool]:
    """Read-modify-write guarded by the item's version, retried on a concurrent change.
    Returns the integration and whether this call changed it."""
    for attempt in range(_WRITE_TRIES):
        current = get(stores, tenant_id, integration_id)
        changes = edit(current)
        if not changes:
            return current, False
        new = current.model_copy(update={**changes, "updated_at": clock.now(), "version": current.version + 1})
        try:
            stores.integrations.replace(current, new)
        except Conflict as conflict:
            if conflict.details or attempt == _WRITE_TRIES - 1:
                raise
            continue
        schedules.follow(stores, current, new)
        return new, True
    raise AssertionError("unreachable")


def _addresses_changed(current: Integration, changes: dict[str, object]) -> bool:
    new = changes.get("emails")
    return isinstance(new, list) and {a.casefold() for a in new} != {a.casefold() for a in current.emails}


def update(stores: Stores, tenant_id: str, integration_id: str, patch: IntegrationUpdate) -> Integration:
    """New addresses are the usual fix of a failing integration: they start a fresh failure window too. A PDF
    password is sealed once the integration is found, once however often the write is retried (``null``: the
    protection goes)."""
    sealed: dict[str, object] = {}

    def edit(current: Integration) -> dict[str, object]:
        if "pdf_password" in patch.model_fields_set and not sealed:
            sealed["pdf_password_sealed"] = protection.seal(tenant_id, current.id, patch.pdf_password)
        changes = {name: getattr(patch, name) for name in patch.model_fields_set - {"pdf_password"}}  # models stay
        if sealed.get("pdf_password_sealed") != current.pdf_password_sealed:  # removing none changes nothing
            changes |= sealed
        if not _addresses_changed(current, changes):
            return changes
        return {**changes, **_fresh_window(stores, current), **_added_back(current, changes["emails"])}

    return _change(stores, tenant_id, integration_id, edit)[0]


def _added_back(current: Integration, emails: list[str]) -> dict[str, object]:
    """An address an admin puts on the integration again no longer counts as unsubscribed."""
    kept = {address.casefold() for address in emails}
    left = [entry for entry in current.unsubscribed if entry.address.casefold() not in kept]
    return {"unsubscribed": left} if len(left) != len(current.unsubscribed) else {}


def remove_recipient(stores: Stores, tenant_id: str, integration_id: str, address: str) -> tuple[Integration, bool]:
    """Take ``address`` off the integration and record that it left (the latest ``MAX_RECIPIENTS`` are kept),
    in one write guarded by the version; ``False`` if it had already left. :class:`NotFound` if it is not on it."""
    wanted = address.casefold()

    def edit(current: Integration) -> dict[str, object]:
        if not any(a.casefold() == wanted for a in current.emails):
            if any(entry.address.casefold() == wanted for entry in current.unsubscribed):
                return {}
            raise NotFound("This address does not get mail from this integration any more.")
        left = [entry for entry in current.unsubscribed if entry.address.casefold() != wanted]
        return {"emails": [a for a in current.emails if a.casefold() != wanted],
                "unsubscribed": [*left, Unsubscribed(address=address, at=clock.now())][-MAX_RECIPIENTS:]}

    return _change(stores, tenant_id, integration_id, edit)


def add_back(stores: Stores, tenant_id: str, integration_id: str, address: str) -> Integration:
    """Put an address that unsubscribed back on the integration (an admin's decision): it gets mail again."""
    wanted = address.casefold()

    def edit(current: Integration) -> dict[str, object]:
        entry = next((e for e in current.unsubscribed if e.address.casefold() == wanted), None)
        if entry is None:
            if any(a.casefold() == wanted for a in current.emails):
                return {}  # already back
            raise NotFound("This address has not unsubscribed from this integration.")
        if len(current.emails) >= MAX_RECIPIENTS:
            raise Conflict(f"An integration has at most {MAX_RECIPIENTS} addresses: remove one first.")
        emails = [*current.emails, entry.address]
        return {"emails": emails, **_fresh_window(stores, current), **_added_back(current, emails)}

    return _change(stores, tenant_id, integration_id, edit)[0]


def _event_data(integration: Integration) -> dict[str, object]:
    return {"integration_id": integration.id, "name": integration.name, "reason": integration.disabled_reason}


def _fresh_window(stores: Stores, current: Integration) -> dict[str, object]:
    """Start the failure window (auto-disable) anew: the requests this hour already holds are left out, so the
    failures that led to an enable or an address change never count again; new ones still do."""
    moment = clock.now()
    buckets = stores.counters.request_buckets(current.tenant_id, current.id, moment)
    return {"failure_window_start": moment,
            "failure_window_baseline": (sum(b[1] for b in buckets), sum(b[2] for b in buckets))}


def enable(stores: Stores, tenant_id: str, integration_id: str) -> Integration:
    """Resume sending with the same settings; clears ``disabled_reason``. Every enable is a person's decision
    (after a passing Test, or not), so each starts a fresh failure window."""
    return _change(stores, tenant_id, integration_id, lambda current: {} if current.active else {
        "active": True, "disabled_reason": None, **_fresh_window(stores, current)})[0]


def disable(stores: Stores, tenant_id: str, integration_id: str, reason: str = MANUAL,
            details: dict[str, object] | None = None) -> tuple[Integration, bool]:
    """Stop sending, keep the configuration. Only the call that actually disables it tells the
    ``system`` subscribers, the integration itself included, so repeating it notifies nobody twice;
    ``details`` (the auto-disable's error, failing addresses, dead letters) go into the notice."""
    integration, changed = _change(
        stores, tenant_id, integration_id,
        lambda current: {"active": False, "disabled_reason": reason} if current.active else {},
    )
    if changed:
        from chalicelib.events import ingest  # the event pipeline: only disabling and deleting notify

        data = {**_event_data(integration), "mode": "manual" if reason == MANUAL else "automatic", **(details or {})}
        ingest.emit(stores, tenant_id, "integration.disabled", data, farewell=integration)
    return integration, changed


def delete(stores: Stores, tenant_id: str, integration_id: str) -> Integration:
    """Tell ``system`` subscribers (the integration too, if active) first, then remove the configuration.
    Its pending deliveries are skipped at their next try; its delivery log stays until its TTL."""
    integration = get(stores, tenant_id, integration_id)
    from chalicelib.events import ingest

    ingest.emit(stores, tenant_id, "integration.deleted", _event_data(integration),
                farewell=integration if integration.active else None, event_id=f"deleted-{integration.id}")
    if not stores.integrations.delete(integration):
        raise NotFound(f"no integration {integration_id!r}")
    schedules.follow(stores, integration, None)
    trigger_service.forget_integration(integration)
    return integration
