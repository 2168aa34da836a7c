"""Routes: email integrations."""

from chalice import Blueprint

from chalicelib import clock
from chalicelib.api.routing import Call, route
from chalicelib.errors import ValidationFailed
from chalicelib.integrations import health, service
from chalicelib.models.common import PageQuery
from chalicelib.models.integrations import (
    Integration,
    IntegrationCreate,
    IntegrationPage,
    IntegrationUpdate,
    TestResult,
)
from chalicelib.models.reports import ReportSend, ReportSendRequest
from chalicelib.models.tenants import Tenant
from chalicelib.reports import service as reports
from chalicelib.suppressions import service as suppressions
from chalicelib.tenants import service as tenant_service
from chalicelib.wiring import stores

bp = Blueprint(__name__)
TAG = "integrations"


def _scheduled(tenant: Tenant, integration: Integration) -> Integration:
    """With its sending health and its next report times."""
    now = clock.now()
    return health.flag(stores(), integration, now).model_copy(
        update={"next_reports": reports.next_reports(tenant, integration, now)})


def _shown(call: Call, integration: Integration) -> Integration:
    """As the API answers it: with its suppressed addresses, its sending health and its next report times."""
    return _scheduled(tenant_service.get_tenant(stores(), call.caller), suppressions.flag(integration))


@route(bp, "GET", "/v1/integrations", summary="List integrations", access="viewer", tag=TAG, query=PageQuery,
       response=IntegrationPage)
def list_integrations(call: Call) -> IntegrationPage:
    page = service.page(stores(), call.tenant_id, call.query.limit, call.query.cursor)
    tenant = tenant_service.get_tenant(stores(), call.caller)
    items = [_scheduled(tenant, item) for item in suppressions.flag_all(call.tenant_id, page.items)]
    return page.model_copy(update={"items": items})


@route(bp, "POST", "/v1/integrations", summary="Create an integration (at most MAX_INTEGRATIONS_PER_TENANT)",
       access="admin", tag=TAG, body=IntegrationCreate, response=Integration, status=201, errors=(409,))
def create_integration(call: Call) -> Integration:
    return _shown(call, service.create(stores(), call.tenant_id, call.body))


@route(bp, "GET", "/v1/integrations/{integration_id}", summary="Read an integration", access="viewer", tag=TAG,
       response=Integration)
def get_integration(call: Call, integration_id: str) -> Integration:
    return _shown(call, service.get(stores(), call.tenant_id, integration_id))


@route(bp, "PATCH", "/v1/integrations/{integration_id}", summary="Change an integration", access="admin",
       tag=TAG, body=IntegrationUpdate, response=Integration, errors=(409,))
def update_integration(call: Call, integration_id: str) -> Integration:
    return _shown(call, service.update(stores(), call.tenant_id, integration_id, call.body))


@route(bp, "DELETE", "/v1/integrations/{integration_id}", summary="Delete an integration", access="admin",
       tag=TAG, status=204)
def delete_integration(call: Call, integration_id: str) -> None:
    service.delete(stores(), call.tenant_id, integration_id)


@route(bp, "POST", "/v1/integrations/{integration_id}/enable", summary="Enable an integration", access="admin",
       tag=TAG, response=Integration, errors=(409,))
def enable_integration(call: Call, integration_id: str) -> Integration:
    return _shown(call, service.enable(stores(), call.tenant_id, integration_id))


@route(bp, "POST", "/v1/integrations/{integration_id}/disable", summary="Disable an integration (keeps settings)",
       access="admin", tag=TAG, response=Integration, errors=(409,))
def disable_integration(call: Call, integration_id: str) -> Integration:
    return _shown(call, service.disable(stores(), call.tenant_id, integration_id)[0])


@route(bp, "POST", "/v1/integrations/{integration_id}/test", summary="Test a saved integration", access="admin",
       tag=TAG, response=TestResult, errors=(429,))
def test_integration(call: Call, integration_id: str) -> TestResult:
    from chalicelib.integrations import checks  # renders sample emails and reports: loaded on first use

    integration = service.get(stores(), call.tenant_id, integration_id)
    checks.rate_limit(call.tenant_id, integration.id)
    return checks.run(tenant_service.get_tenant(stores(), call.caller), integration)


@route(bp, "POST", "/v1/integrations/test", summary="Test an unsaved integration (nothing is saved)",
       access="admin", tag=TAG, body=IntegrationCreate, response=TestResult, errors=(429,))
def test_draft_integration(call: Call) -> TestResult:
    from chalicelib.integrations import checks

    checks.rate_limit(call.tenant_id, "draft")
    return checks.run(tenant_service.get_tenant(stores(), call.caller), call.body)


@route(bp, "POST", "/v1/integrations/{integration_id}/reports/send",
       summary="Send a report period to this integration now (rate-limited; once per integration and period)",
       access="admin", tag=TAG, body=ReportSendRequest, response=ReportSend, status=202, errors=(409, 422, 429))
def send_report(call: Call, integration_id: str) -> ReportSend:
    integration = service.get(stores(), call.tenant_id, integration_id)
    tenant = tenant_service.get_tenant(stores(), call.caller)
    try:
        return reports.send_now(tenant, integration, call.body.frequency, call.body.period_end, clock.now())
    except ValueError as error:
        raise ValidationFailed("the period cannot be sent", [{"path": "period_end", "message": str(error)}]) from None
