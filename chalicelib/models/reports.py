"""Reports: the rendered PDF reports, their headline figures, listing and preview requests."""

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, PlainValidator, WithJsonSchema

from chalicelib.models.common import Model, PageQuery, Strict

ReportFrequency = Literal["daily", "weekly", "monthly"]
PERIOD_NOUNS: dict[ReportFrequency, str] = {"daily": "day", "weekly": "week", "monthly": "month"}


class Figure(Model):
    """A headline number and the same number for the previous period."""

    value: int
    previous: int

    @property
    def change(self) -> int:
        return self.value - self.previous

    @property
    def percent(self) -> float | None:
        """Relative change; ``None`` when the previous period had none (no meaningful percentage)."""
        return None if self.previous == 0 else 100.0 * self.change / self.previous

    @property
    def percent_words(self) -> str:
        """``5%`` or ``<1%`` (a change never reads as ``0%``); empty when there is no percentage."""
        percent = self.percent
        if percent is None:
            return ""
        return "<1%" if abs(percent) < 0.5 else f"{abs(percent):,.0f}%"


def filename(tenant_name: str, frequency: str, period_key: str) -> str:
    """``West-Coast-Inc-daily-report-2026-11-24.pdf`` (company, frequency, period): the download's name and the
    attachment's; ASCII, no quoting needed in a header."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in tenant_name).strip("-")
    return f"{safe or 'security'}-{frequency}-report-{period_key}.pdf"


class ReportFigure(Model):
    """A headline number of a report and the same number for the previous period."""

    name: str
    label: str
    value: int
    previous: int


class Report(Model):
    """A rendered report (one per tenant, frequency and period); the PDF is in S3."""

    id: str
    tenant_id: str = Field(exclude=True)
    frequency: ReportFrequency
    period_key: str
    period_label: str
    timezone: str
    first_day: date
    last_day: date
    period_start: datetime
    period_end: datetime
    generated_at: datetime
    size_bytes: int
    empty: bool
    partial: bool = Field(False, description="a preview of a period that has not ended: figures up to generated_at")
    figures: list[ReportFigure]
    sha256: str | None = Field(None, description=(
        "hex SHA-256 of the stored PDF: a copy whose digest (sha256sum) differs is not this report; none for a "
        "report stored before digests were kept, or a csv/json preview"))
    object_key: str = Field(exclude=True)


class ReportDownload(Report):
    download_url: str
    download_expires_at: datetime


class ReportPage(Model):
    items: list[Report]
    next_cursor: str | None


class ReportQuery(PageQuery):
    frequency: ReportFrequency | None = None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(value: Any) -> date:
    """A calendar date written ``YYYY-MM-DD`` (no number, time or week date); ``ValueError`` otherwise."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a date of the calendar") from None


IsoDate = Annotated[date, PlainValidator(iso_date), WithJsonSchema({"type": "string", "format": "date"})]


class ReportPreviewRequest(Strict):
    frequency: ReportFrequency
    period_end: IsoDate | None = Field(None, description=(
        "last included day (YYYY-MM-DD, tenant's time zone), from today minus the data retention "
        "(SECURITY_RETENTION_DAYS) to the last day of the current period; default: the last complete period"))


class ReportSendRequest(ReportPreviewRequest):
    """Which period to send now: an ended one, chosen as for a preview."""


class ReportSend(Model):
    """A report period queued for one integration now (``POST /v1/integrations/{id}/reports/send``)."""

    report_id: str
    integration_id: str
    frequency: ReportFrequency
    period_key: str
    status: Literal["queued"] = "queued"
