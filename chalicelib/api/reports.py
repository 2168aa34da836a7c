"""Routes: scheduled reports (list, download link) and previews."""


from chalice import Blueprint

from chalicelib import clock
from chalicelib.api.routing import Call, route
from chalicelib.errors import ValidationFailed
from chalicelib.models.report_data import ReportDataDownload, ReportDataQuery, ReportPreview, ReportPreviewFormatRequest
from chalicelib.models.reports import ReportDownload, ReportQuery
from chalicelib.models.runs import ReportRunPage
from chalicelib.reports import service
from chalicelib.tenants import service as tenant_service
from chalicelib.wiring import stores

bp = Blueprint(__name__)
TAG = "reports"


@route(bp, "GET", "/v1/reports", summary="List the tenant's reports, newest period first, and their runs' stages",
       access="viewer", tag=TAG, query=ReportQuery, response=ReportRunPage)
def list_reports(call: Call) -> ReportRunPage:
    return service.page(stores(), call.tenant_id, call.query.limit, call.query.cursor, call.query.frequency)


@route(bp, "GET", "/v1/reports/{report_id}", summary="A report and an expiring download link", access="viewer",
       tag=TAG, response=ReportDownload, errors=(404,))
def get_report(call: Call, report_id: str) -> ReportDownload:
    return service.get(tenant_service.get_tenant(stores(), call.caller), report_id)


@route(bp, "GET", "/v1/reports/{report_id}/data", summary="A report's tables: a link to a CSV zip, or JSON",
       access="viewer", tag=TAG, query=ReportDataQuery, response=ReportDataDownload, errors=(404, 422))
def report_data(call: Call, report_id: str) -> ReportDataDownload:
    return service.data(tenant_service.get_tenant(stores(), call.caller), report_id, call.query.format)


@route(bp, "POST", "/v1/reports/preview", summary="Render a report now: a link to its PDF or CSV zip, or JSON",
       access="admin", tag=TAG, body=ReportPreviewFormatRequest, response=ReportPreview, errors=(422, 429))
def preview_report(call: Call) -> ReportPreview:
    tenant = tenant_service.get_tenant(stores(), call.caller)
    try:
        period = service.preview_period(tenant, call.body.frequency, call.body.period_end, clock.now())
    except ValueError as error:
        raise ValidationFailed("the period cannot be previewed",
                               [{"path": "period_end", "message": str(error)}]) from None
    return service.preview(tenant, period, call.body.format)
