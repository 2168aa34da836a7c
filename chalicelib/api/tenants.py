"""Routes: tenants (operator), the caller's tenant, and API tokens."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route
from chalicelib.models.common import PageQuery
from chalicelib.models.tenants import Tenant, TenantCreate, TenantCreated, TenantUpdate
from chalicelib.models.tokens import TokenCreate, TokenCreated, TokenPage
from chalicelib.tenants import service
from chalicelib.wiring import stores

bp = Blueprint(__name__)


@route(bp, "POST", "/v1/tenants", summary="Create a tenant and its first admin token", access="operator",
       tag="tenants", body=TenantCreate, response=TenantCreated, status=201, errors=(409,))
def create_tenant(call: Call) -> TenantCreated:
    return service.create_tenant(stores(), call.body)


@route(bp, "DELETE", "/v1/tenants/{tenant_id}", summary="Delete a tenant: its tokens stop at once, its data is removed",
       access="operator", tag="tenants", status=204)
def delete_tenant(call: Call, tenant_id: str) -> None:
    service.delete_tenant(stores(), tenant_id)


@route(bp, "POST", "/v1/tenants/{tenant_id}/tokens", summary="Issue a new admin token for a tenant (shown once)",
       access="operator", tag="tenants", response=TokenCreated, status=201)
def issue_admin_token(call: Call, tenant_id: str) -> TokenCreated:
    return service.issue_admin_token(stores(), tenant_id)


@route(bp, "GET", "/v1/tenant", summary="The caller's tenant", access="viewer", tag="tenants", response=Tenant)
def get_tenant(call: Call) -> Tenant:
    return service.get_tenant(stores(), call.caller)


@route(bp, "PATCH", "/v1/tenant", summary="Change the caller's tenant", access="admin", tag="tenants",
       body=TenantUpdate, response=Tenant)
def update_tenant(call: Call) -> Tenant:
    return service.update_tenant(stores(), call.caller, call.body)


@route(bp, "GET", "/v1/tokens", summary="List API tokens (never their secrets)", access="admin", tag="tokens",
       query=PageQuery, response=TokenPage)
def list_tokens(call: Call) -> TokenPage:
    return service.list_tokens(stores(), call.caller, call.query.limit, call.query.cursor)


@route(bp, "POST", "/v1/tokens", summary="Create an API token (shown once)", access="admin", tag="tokens",
       body=TokenCreate, response=TokenCreated, status=201)
def create_token(call: Call) -> TokenCreated:
    return service.create_token(stores(), call.caller, call.body)


@route(bp, "DELETE", "/v1/tokens/{token_id}", summary="Revoke an API token (never the last admin token)",
       access="admin", tag="tokens", status=204, errors=(409,))
def delete_token(call: Call, token_id: str) -> None:
    service.delete_token(stores(), call.caller, token_id)
