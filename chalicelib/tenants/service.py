"""Use cases for tenants and tokens."""

import uuid

from chalicelib import auth, clock
from chalicelib.auth import Caller
from chalicelib.errors import Conflict, NotFound
from chalicelib.integrations.service import new_integration
from chalicelib.models.integrations import DEFAULT_INTEGRATION_EVENTS
from chalicelib.models.tenants import Tenant, TenantCreate, TenantCreated, TenantUpdate
from chalicelib.models.tokens import TokenCreate, TokenCreated, TokenInfo, TokenPage
from chalicelib.observability import logger
from chalicelib.reports import schedules
from chalicelib.stores import Stores
from chalicelib.stores.tenants import Revoked

DEFAULT_INTEGRATION_NAME = "Primary email"
OPERATOR_ISSUED = "issued by the operator"


def create_tenant(stores: Stores, data: TenantCreate) -> TenantCreated:
    """A tenant, its default integration to the primary email and a first admin token, atomically."""
    tenant = Tenant(id=str(uuid.uuid4()), created_at=clock.now(), **data.model_dump())
    default = new_integration(tenant.id, DEFAULT_INTEGRATION_NAME, [tenant.primary_email],
                              list(DEFAULT_INTEGRATION_EVENTS))
    record, raw_token = auth.issue(tenant.id, "first admin token", "admin")
    if not stores.tenants.create(tenant, default, record):
        raise Conflict("the tenant could not be created; retry")
    schedules.follow(stores, None, default)
    return TenantCreated(tenant=tenant, admin_token=raw_token)


def get_tenant(stores: Stores, caller: Caller) -> Tenant:
    tenant = stores.tenants.get(caller.tenant_id)
    if tenant is None:
        raise NotFound("the tenant no longer exists")
    return tenant


def update_tenant(stores: Stores, caller: Caller, patch: TenantUpdate) -> Tenant:
    """Change name, primary email, time zone or SLA days; integrations keep their own addresses."""
    changes = patch.model_dump(mode="json", exclude_none=True)
    if "sla_days" in changes:  # a partial SLA keeps the other risk levels' days
        changes["sla_days"] = {**get_tenant(stores, caller).sla_days.model_dump(), **changes["sla_days"]}
    tenant = stores.tenants.update(caller.tenant_id, changes) if changes else stores.tenants.get(caller.tenant_id)
    if tenant is None:
        raise NotFound("the tenant no longer exists")
    if "timezone" in changes:
        schedules.replace_schedules(stores, tenant.id)
    return tenant


def _issue(stores: Stores, tenant_id: str, name: str, role: str) -> TokenCreated:
    """A new token, written with its tenant's admin count; only for a live tenant."""
    record, raw_token = auth.issue(tenant_id, name, role)
    if not stores.tenants.issue_token(record):
        raise NotFound(f"no tenant {tenant_id!r}")
    return TokenCreated(id=record.id, name=record.name, role=role, created_at=record.created_at, token=raw_token)


def create_token(stores: Stores, caller: Caller, data: TokenCreate) -> TokenCreated:
    return _issue(stores, caller.tenant_id, data.name, data.role)


def issue_admin_token(stores: Stores, tenant_id: str) -> TokenCreated:
    """The operator's way back in for a tenant that lost its admin tokens."""
    return _issue(stores, tenant_id, OPERATOR_ISSUED, "admin")


def list_tokens(stores: Stores, caller: Caller, limit: int, cursor: str | None) -> TokenPage:
    items, next_cursor = stores.tenants.tokens_page(caller.tenant_id, limit, cursor)
    return TokenPage(items=[TokenInfo.model_validate(item) for item in items], next_cursor=next_cursor)


def delete_token(stores: Stores, caller: Caller, token_id: str) -> None:
    """Revoke a token; it stops working on the next request. The tenant's last admin token stays (the store
    revokes an admin token only while the tenant keeps another)."""
    record = stores.tenants.token(token_id)
    if record is None or record.tenant_id != caller.tenant_id:
        raise NotFound(f"no token {token_id!r}")
    outcome = stores.tenants.revoke_token(record)
    if outcome is Revoked.DONE:
        return
    if outcome is Revoked.GONE:
        raise NotFound(f"no token {token_id!r}")
    if outcome is Revoked.LAST_ADMIN:
        raise Conflict("this is the tenant's last admin token; create another admin token before revoking it")
    raise Conflict("the tokens were changed by another request; retry")


def delete_tenant(stores: Stores, tenant_id: str) -> None:
    """Tombstone the tenant, so its tokens stop and every worker treats it as gone at once, then delete its
    data (``TenantStore.purge``). Repeating it for a deleted tenant finishes an interrupted purge."""
    if not stores.tenants.tombstone(tenant_id, clock.now()) and stores.tenants.state(tenant_id) != "deleted":
        raise NotFound(f"no tenant {tenant_id!r}")
    logger.info("tenant deleted", extra={"tenant_id": tenant_id, "removed": stores.tenants.purge(tenant_id)})
