"""Use cases for tenants and tokens."""

import uuid

from chalicelib import auth, clock
from chalicelib.auth import Caller
from chalicelib.aws import integrations_repo, tenants_repo, tokens_repo
from chalicelib.aws.dynamo import transact
from chalicelib.errors import Conflict, NotFound
from chalicelib.integrations.service import new_integration
from chalicelib.models.integrations import DEFAULT_INTEGRATION_EVENTS
from chalicelib.models.tenants import Tenant, TenantCreate, TenantCreated, TenantUpdate
from chalicelib.models.tokens import TokenCreate, TokenCreated, TokenInfo, TokenPage
from chalicelib.observability import logger

DEFAULT_INTEGRATION_NAME = "Primary email"
OPERATOR_ISSUED = "issued by the operator"
FAILED = "ConditionalCheckFailed"


def create_tenant(data: TenantCreate) -> TenantCreated:
    """A tenant, its default integration to the primary email and a first admin token, atomically."""
    tenant = Tenant(id=str(uuid.uuid4()), created_at=clock.now(), **data.model_dump())
    default = new_integration(tenant.id, DEFAULT_INTEGRATION_NAME, [tenant.primary_email],
                              list(DEFAULT_INTEGRATION_EVENTS))
    record, raw_token = auth.issue(tenant.id, "first admin token", "admin")
    ops = [
        tenants_repo.put_op_for(tenant, admin_tokens=1),
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


def _issue(tenant_id: str, name: str, role: str) -> TokenCreated:
    """A new token, written with its tenant's admin count in one transaction that needs a live tenant."""
    record, raw_token = auth.issue(tenant_id, name, role)
    if transact([tokens_repo.put_op_for(record), tenants_repo.admin_tokens_op(tenant_id, int(role == "admin"))]):
        raise NotFound(f"no tenant {tenant_id!r}")
    return TokenCreated(id=record.id, name=record.name, role=role, created_at=record.created_at, token=raw_token)


def create_token(caller: Caller, data: TokenCreate) -> TokenCreated:
    return _issue(caller.tenant_id, data.name, data.role)


def issue_admin_token(tenant_id: str) -> TokenCreated:
    """The operator's way back in for a tenant that lost its admin tokens."""
    return _issue(tenant_id, OPERATOR_ISSUED, "admin")


def list_tokens(caller: Caller, limit: int, cursor: str | None) -> TokenPage:
    items, next_cursor = tokens_repo.page(caller.tenant_id, limit, cursor)
    return TokenPage(items=[TokenInfo.model_validate(item) for item in items], next_cursor=next_cursor)


def delete_token(caller: Caller, token_id: str) -> None:
    """Revoke a token; it stops working on the next request. The tenant's last admin token stays: the
    admin count on the tenant row is decremented in the same transaction, only while it is above one."""
    record = tokens_repo.get(token_id)
    if record is None or record.tenant_id != caller.tenant_id:
        raise NotFound(f"no token {token_id!r}")
    ops = [tokens_repo.delete_op_for(record)]
    if record.role == "admin":
        ops.append(tenants_repo.admin_tokens_op(caller.tenant_id, -1))
    reasons = transact(ops)
    if reasons is None:
        return
    if reasons[0] == FAILED:
        raise NotFound(f"no token {token_id!r}")
    if reasons[1] == FAILED:
        raise Conflict("this is the tenant's last admin token; create another admin token before revoking it")
    raise Conflict("the tokens were changed by another request; retry")


def delete_tenant(tenant_id: str) -> None:
    """Tombstone the tenant, so its tokens stop and every worker treats it as gone at once, then delete its
    data (``aws.tenant_data``). Repeating it for a deleted tenant finishes an interrupted purge."""
    if not tenants_repo.tombstone(tenant_id, clock.now()) and tenants_repo.state(tenant_id) != "deleted":
        raise NotFound(f"no tenant {tenant_id!r}")
    from chalicelib.aws import tenant_data  # the security store's adapter: only the operator's delete needs it

    logger.info("tenant deleted", extra={"tenant_id": tenant_id, "removed": tenant_data.purge(tenant_id)})
