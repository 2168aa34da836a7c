"""Routes: the tenant's suppression list (addresses that hard-bounced or complained)."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route
from chalicelib.models.common import PageQuery
from chalicelib.models.suppressions import SuppressionPage
from chalicelib.suppressions import service

bp = Blueprint(__name__)
TAG = "suppressions"


@route(bp, "GET", "/v1/suppressions", summary="Suppressed addresses (hard bounces, complaints)", access="viewer",
       tag=TAG, query=PageQuery, response=SuppressionPage)
def list_suppressions(call: Call) -> SuppressionPage:
    return service.page(call.tenant_id, call.query)


@route(bp, "DELETE", "/v1/suppressions/{email}", summary="Remove an address from the suppression list",
       access="admin", tag=TAG, status=204)
def delete_suppression(call: Call, email: str) -> None:
    service.remove(call.tenant_id, email)
