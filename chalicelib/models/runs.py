"""Report runs: one per (tenant, frequency, period, report hour) the scheduler queues, with the times of its
stages and what became of its mail per integration and recipient (read from the delivery log, not kept twice)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from chalicelib.models.common import Model
from chalicelib.models.reports import ReportFrequency, ReportPage

Lateness = Literal["missing", "stuck"]  # never queued by the scheduler · queued, yet not delivered
RecipientStatus = Literal["queued", "sent", "failed", "dead", "skipped"]
RunStatus = Literal["queued", "rendered", "stored", "delivering", "sent", "failed", "dead", "late"]


def run_id(report_id: str, hour: int) -> str:
    """``<report id>@08``: sorts right after its report's id, so a run lists beside its report."""
    return f"{report_id}@{hour:02d}"


class Run(Model):
    """What the run store keeps: the stages' times; ``integration_ids``: the integrations its job addressed."""

    id: str
    tenant_id: str = Field(exclude=True)
    report_id: str
    frequency: ReportFrequency
    period_key: str
    timezone: str
    report_hour: int = Field(ge=0, le=23)
    report_time: datetime = Field(description="when it was due: the report hour of the day after the period")
    queued_at: datetime | None = None
    rendered_at: datetime | None = None
    stored_at: datetime | None = Field(None, description="when its job had the PDF in S3 and the report listed")
    delivered_at: datetime | None = Field(None, description="when a delivery existed for each of its integrations")
    requeued_at: datetime | None = Field(None, description="when the watchdog queued it again (once at most)")
    late: Lateness | None = Field(None, description="what the watchdog found: never queued, or queued and stuck")
    integration_ids: list[str] = Field(default_factory=list, exclude=True)


class RecipientOutcome(Model):
    """One address's outcome, from its delivery's tries."""

    address: str
    status: RecipientStatus
    at: datetime | None = Field(None, description="its last try, if it had one")
    error: str | None = None


class IntegrationOutcome(Model):
    integration_id: str
    name: str | None = Field(None, description="none once the integration is deleted")
    delivery_id: str
    status: str = Field(description="the delivery's status (delivery log); 'missing' before it exists")
    recipients: list[RecipientOutcome]


class ReportRun(Run):
    """A run as the API and console show it: its stage and each integration's and recipient's outcome."""

    status: RunStatus
    integrations: list[IntegrationOutcome]


class ReportRunPage(ReportPage):
    """A page of reports and the runs beside them: from the page's last report on (from the oldest, on the last
    page) up to the previous page's, so a run whose report is not stored yet is listed too and pages share none."""

    runs: list[ReportRun]
