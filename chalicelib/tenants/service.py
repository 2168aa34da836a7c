"""Use cases for tenants and tokens."""

import uuid

from chalicelib import auth, clock
from chalicelib.auth import Caller
from chalicelib.aws import integrations_repo, tenants_repo, tokens_repo
from chalicelib.aws.dynamo import transact
from chalicelib.errors import Conflict, NotFound
from chalicelib.integrations.service import new_integration
from chalicelib.models import (
    DEFAULT_INTEGRATION_EVENTS,
    Tenant,
    TenantCreate,
    TenantCreated,
    TenantUpdate,
    TokenCreate,
    TokenCreated,
)

DEFAULT_INTEGRATION_NAME = "Primary email"


def create_tenant(data: TenantCreate) -> TenantCreated:
    """A tenant, its default integration to the primary email and a first admin token, atomically."""
    tenant = Tenant(id=str(uuid.uuid4()), created_at=clock.now(), **data.model_dump())
    default = new_integration(tenant.id, DEFAULT_INTEGRATION_NAME, [tenant.primary_email],
                              list(DEFAULT_INTEGRATION_EVENTS))
    record, raw_token = auth.issue(tenant.id, "first admin token", "admin")
    ops = [
        tenants_repo.put_op_for(tenant),
        *integrations_repo.create_ops(default),
        tokens_repo.put_op_for(record),
    ]
    if transact(ops):
        raise Conflict("the tenant could not be created; retry")
    return TenantCreated(tenant=tenant, admin_token=raw_token)


def get_tenant(caller: Caller) -> Tenant:
    tenant = tenants_repo.get(caller.tenant_id)
    if tenant is None:
        raise NotFound("the tenant no longer exists")
    return tenant


def update_tenant(caller: Caller, patch: TenantUpdate) -> Tenant:
    """Change name, primary email, time zone or SLA days; integrations keep their own addresses."""
    changes = patch.model_dump(mode="json", exclude_none=True)
    if "sla_days" in changes:  # a partial SLA keeps the other risk levels' days
        changes["sla_days"] = {**get_tenant(caller).sla_days.model_dump(), **changes["sla_days"]}
    tenant = tenants_repo.update(caller.tenant_id, changes) if changes else tenants_repo.get(caller.tenant_id)
    if tenant is None:
        raise NotFound("the tenant no longer exists")
    return tenant


def create_token(caller: Caller, data: TokenCreate) -> TokenCreated:
    record, raw_token = auth.issue(caller.tenant_id, data.name, data.role)
    transact([tokens_repo.put_op_for(record)])
    return TokenCreated(id=record.id, name=record.name, role=data.role, created_at=record.created_at,
                        token=raw_token)


def delete_token(caller: Caller, token_id: str) -> None:
    """Revoke a token; it stops working on the next request."""
    if not tokens_repo.delete(caller.tenant_id, token_id):
        raise NotFound(f"no token {token_id!r}")
