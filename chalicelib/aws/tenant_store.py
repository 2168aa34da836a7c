"""The tenant store (``stores.tenants.TenantStore``) on DynamoDB: the tenants and tokens tables, with the
transactions that keep a tenant's admin-token count in step with its tokens."""

from chalicelib.aws import integrations_repo, tenants_repo, tokens_repo
from chalicelib.aws.dynamo import transact
from chalicelib.models.integrations import Integration
from chalicelib.models.tenants import Tenant
from chalicelib.stores.tenants import Revoked, TokenRecord

FAILED = "ConditionalCheckFailed"

get = tenants_repo.get
update = tenants_repo.update
tombstone = tenants_repo.tombstone
state = tenants_repo.state
token = tokens_repo.get
tokens_page = tokens_repo.page


def create(tenant: Tenant, default: Integration, admin: TokenRecord) -> bool:
    """The tenant row (counting one admin token), its default integration and the token, in one transaction."""
    return transact([tenants_repo.put_op_for(tenant, admin_tokens=1), *integrations_repo.create_ops(default),
                     tokens_repo.put_op_for(admin)]) is None


def issue_token(record: TokenRecord) -> bool:
    """The token with its tenant's admin count (or a check that the tenant is live), in one transaction."""
    return transact([tokens_repo.put_op_for(record),
                     tenants_repo.admin_tokens_op(record.tenant_id, int(record.role == "admin"))]) is None


def revoke_token(record: TokenRecord) -> Revoked:
    """Delete the token; an admin one with a decrement of the tenant's count that holds only while it is above one."""
    ops = [tokens_repo.delete_op_for(record)]
    if record.role == "admin":
        ops.append(tenants_repo.admin_tokens_op(record.tenant_id, -1))
    reasons = transact(ops)
    if reasons is None:
        return Revoked.DONE
    if reasons[0] == FAILED:
        return Revoked.GONE
    return Revoked.LAST_ADMIN if reasons[1] == FAILED else Revoked.RACED


def purge(tenant_id: str) -> dict[str, int]:
    from chalicelib.aws import tenant_data  # the security store's adapter: only the operator's delete needs it

    return tenant_data.purge(tenant_id)
