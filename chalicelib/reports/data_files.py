"""Where a report's tables are kept as files: beside its PDF, a CSV zip (served by link, attached on request)
and their JSON, both written with the PDF from the one :class:`ReportData`, so they say what the PDF says."""

import json

from chalicelib.aws import blobs
from chalicelib.errors import ValidationFailed
from chalicelib.models.report_data import DataFormat, PreviewFormat, ReportDataDownload, ReportPreview, ReportTables
from chalicelib.models.reports import Report, filename
from chalicelib.models.tenants import Tenant
from chalicelib.reports import csv_zip, links
from chalicelib.reports.content import ReportData
from chalicelib.reports.data import Table, as_json, tables
from chalicelib.reports.periods import period_from_key

ZIP_TYPE = "application/zip"
# Lambda answers a synchronous call with at most 6 MB; tables larger than this as JSON are served as the CSV zip
INLINE_LIMIT = 5 * 1024 * 1024


def zip_key(pdf_key: str) -> str:
    """``…/Acme-daily-report-2026-11-24-data.zip`` beside ``…/Acme-daily-report-2026-11-24.pdf``: the mail's
    attachment is named by the key's last part."""
    return f"{pdf_key.removesuffix('.pdf')}-data.zip"


def json_key(pdf_key: str) -> str:
    return f"{pdf_key.removesuffix('.pdf')}-data.json"


def zip_name(tenant_name: str, frequency: str, period_key: str) -> str:
    return zip_key(filename(tenant_name, frequency, period_key))


def store(pdf_key: str, report: ReportData) -> int:
    """Write the zip and the JSON of ``report``'s tables beside ``pdf_key``; returns the zip's size."""
    report_tables = tables(report)
    stem = filename(report.tenant_name, report.frequency, report.period_key).removesuffix(".pdf")
    archive = csv_zip.zipped(report_tables, stem, report.generated_at)
    blobs.put(zip_key(pdf_key), archive, ZIP_TYPE)
    blobs.put(json_key(pdf_key), _json(report_tables), "application/json")
    return len(archive)


def _json(report_tables: list[Table]) -> bytes:
    return json.dumps(as_json(report_tables), ensure_ascii=False).encode()


def _inline(payload: bytes) -> ReportTables:
    """Tables to answer inline, or a 422 pointing at the zip when they are too large for one answer."""
    if len(payload) > INLINE_LIMIT:
        raise ValidationFailed("the tables are too large to answer inline",
                               [{"path": "format", "message": f"the tables are {len(payload) / 1024 / 1024:,.1f} MB "
                                 f"of JSON, above the {INLINE_LIMIT // 1024 // 1024} MB one answer can carry; "
                                 "ask for format csv (a link to the zip)"}])
    return ReportTables.model_validate_json(payload)


def preview(tenant: Tenant, report: Report, data: ReportData, output: PreviewFormat) -> ReportPreview:
    """A preview's answer: a link to its PDF or zip (stored by the caller), or the tables inline."""
    own = {"tenant_id": tenant.id, "object_key": report.object_key, "format": output, "trends": data.trends}
    if output == "json":
        return ReportPreview(**report.model_dump(), **own, data=_inline(_json(tables(data))))
    file = None if output == "pdf" else (zip_key(report.object_key),
                                         zip_name(tenant.name, report.frequency, report.period_key))
    return ReportPreview(**links.download(tenant, report, file=file).model_dump(), **own)


def stored(tenant: Tenant, report: Report, output: DataFormat) -> ReportDataDownload:
    """A stored report's tables as a link to the zip or inline. A report stored before its tables were kept gets
    them now from the stored data, under ``previews/`` (its ``reports/`` files are the worker's to write)."""
    key = report.object_key
    if not blobs.exists(json_key(key)):
        from chalicelib.reports import generation  # the period's data, only for a report stored without tables

        key = f"previews/{tenant.id}/{report.id}.pdf"
        store(key, generation.content_of(tenant, period_from_key(report.frequency, report.timezone,
                                                                  report.period_key)))
    if output == "json":
        return ReportDataDownload(report_id=report.id, format=output, data=_inline(blobs.get(json_key(key))))
    download = links.download(tenant, report, file=(zip_key(key), zip_name(tenant.name, report.frequency,
                                                                           report.period_key)))
    return ReportDataDownload(report_id=report.id, format=output, download_url=download.download_url,
                              download_expires_at=download.download_expires_at)
