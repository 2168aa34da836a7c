"""A report's tables as data (``format: json`` previews, ``GET /v1/reports/{id}/data``): one record model per
table; the CSV files of the zip have the same columns, in the same order."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, WithJsonSchema

from chalicelib.models.common import Model, Strict
from chalicelib.models.reports import ReportDownload, ReportPreviewRequest
from chalicelib.models.security import Risk
from chalicelib.models.trends import TrendPoint

DataFormat = Literal["csv", "json"]
PreviewFormat = Literal["pdf", "csv", "json"]
# a time as the CSV writes it (ISO 8601, the tenant's offset): a string, so the JSON never re-spells it
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


class VulnerabilityRecord(Model):
    id: str
    title: str
    risk: Risk
    host: str
    target: str = Field(description="method, path and (parameter)")
    status: str = Field(description="at the period's end: open, reopened, closed or false_positive")
    detected_at: Timestamp
    fixed_at: Timestamp | None = Field(description="closed at the period's end: when")
    reopened_at: Timestamp | None = Field(description="reopened and open at the period's end: when")
    age_days: int | None = Field(description="open at the period's end: whole days since detection or reopening")
    fix_days: int | None = Field(description="fixed in the period: whole days it took")
    sla_due_at: Timestamp | None = Field(description="open at the period's end: when its risk's SLA runs out")
    overdue: bool = Field(description="open past its SLA at the period's end")


class IncidentRecord(Model):
    id: str
    started_at: Timestamp
    risk: Risk
    title: str
    host: str
    attack_type: str
    status: str
    began_in_period: bool = Field(description="false: began before the period and still not resolved")


class SourceIpRecord(Model):
    ip: str
    note: str = Field(description="the country code the events gave, or 'internal'")
    attacks: int
    hits: int


class EndpointRecord(Model):
    endpoint: str = Field(description="host and path")
    attacks: int
    hits: int


class ReportTables(Model):
    vulnerabilities: list[VulnerabilityRecord]
    incidents: list[IncidentRecord]
    source_ips: list[SourceIpRecord] = Field(description="the top source IPs, as in the PDF")
    endpoints: list[EndpointRecord] = Field(description="the top endpoints, as in the PDF")


class ReportPreviewFormatRequest(ReportPreviewRequest):
    format: PreviewFormat = Field("pdf", description=(
        "pdf: a link to the PDF; csv: a link to a zip of one RFC 4180 UTF-8 CSV per table; json: the tables "
        "inline under data"))


class ReportPreview(ReportDownload):
    """A preview: a link to the PDF or the CSV zip, or (``json``) the tables under ``data``."""

    format: PreviewFormat = "pdf"
    download_url: str | None = None  # type: ignore[assignment]
    download_expires_at: datetime | None = None  # type: ignore[assignment]
    data: ReportTables | None = None
    trends: list[TrendPoint] = Field(default_factory=list, description=(
        "the same figures over the last 12 months (monthly), 12 weeks (weekly) or 30 days (daily), oldest first, "
        "ending with the previewed period"))


class ReportDataQuery(Strict):
    format: DataFormat = Field("csv", description="csv (default): a link to the zip of CSV files; json: the tables "
                                                 "inline")


class ReportDataDownload(Model):
    """A stored report's tables: a link to its CSV zip, or the tables themselves."""

    report_id: str
    format: DataFormat
    download_url: str | None = None
    download_expires_at: datetime | None = None
    data: ReportTables | None = None
