"""Email integrations: who gets which kinds of mail, and what Test integration answers."""

import secrets
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, SecretStr, StrictBool, StrictInt, computed_field, model_validator

from chalicelib.models.common import Emails, Model, Name, Patch, Strict
from chalicelib.models.events import EVENT_TYPES, VULN_EVENTS, EventType
from chalicelib.models.reports import ReportFrequency

DEFAULT_EVENTS: tuple[str, ...] = VULN_EVENTS
DEFAULT_INTEGRATION_EVENTS: tuple[str, ...] = ("report_weekly", "system", *VULN_EVENTS, "scope")


def _expand_events(values: list[str]) -> list[str]:
    chosen = set(values)
    if "vuln" in chosen:
        chosen = (chosen - {"vuln"}) | set(VULN_EVENTS)
    if not chosen:
        raise ValueError("choose at least one event type")
    return [event for event in EVENT_TYPES if event in chosen]


Events = Annotated[list[Literal[EventType, "vuln"]], AfterValidator(_expand_events),
                   Field(json_schema_extra={"minItems": 1})]
Notifications = Literal["instant", "hourly", "daily"]
NOTIFICATIONS_HELP = ("instant: one mail per notification; hourly or daily: one digest per hour or day of the "
                      "tenant's time zone (reports, Test integration and notices about the integration stay apart)")

ATTACH_DATA_HELP = ("report mails carry the report's tables as a zip of CSV files beside the PDF; above "
                    "REPORT_ATTACHMENT_LIMIT_BYTES together, both are links instead")
SLA_REMINDERS_HELP = ("one mail a week (when the tenant's week ends) listing the vulnerabilities open past their "
                      "risk's SLA (tenant sla_days); none when nothing is overdue")

REPORT_HOUR_HELP = ("the hour (0-23, the tenant's local time) at which reports arrive: the report of a period "
                    "that ended is sent at that hour of the next day; a skipped spring hour moves to the next valid "
                    "time, a repeated autumn hour is taken once")
ReportHour = Annotated[StrictInt, Field(ge=0, le=23, description=REPORT_HOUR_HELP)]


PDF_PASSWORD_HELP = ("write-only: the password that opens the report PDFs this integration is mailed (AES-256); "
                     "8-127 characters, at most 127 bytes in UTF-8; never returned, never mailed; on update null "
                     "removes the protection (docs/reports.md, Protected PDFs)")


PDF_PASSWORD_LENGTH = (8, 127)  # PDF 2.0 reads at most 127 bytes of a password (ISO 32000-2, 7.6.4.3.3)


def _pdf_password_length(value: SecretStr) -> SecretStr:
    """The length rule here; what a PDF reader can type back (SASLprep) is fpdf2's, checked where passwords are
    sealed (``reports.protection``). Messages never quote the password."""
    if not PDF_PASSWORD_LENGTH[0] <= len(value.get_secret_value()) <= PDF_PASSWORD_LENGTH[1]:
        raise ValueError("a PDF password has {} to {} characters".format(*PDF_PASSWORD_LENGTH))
    return value


PdfPassword = Annotated[SecretStr, AfterValidator(_pdf_password_length), Field(
    description=PDF_PASSWORD_HELP, json_schema_extra={"minLength": PDF_PASSWORD_LENGTH[0],
                                                      "maxLength": PDF_PASSWORD_LENGTH[1]})]


QUIET_HOURS_HELP = ("a local time range of the tenant's time zone (it may cross midnight) during which notifications "
                    "other than high-risk ones are held and sent as one digest at its end; null: none")
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
                                 description="HH:MM, 24-hour clock")]


class QuietHours(Strict):
    """From ``start`` to ``end`` on the local clock, e.g. 22:00 to 07:00 (ending the next day)."""

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _not_empty(self) -> "QuietHours":
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self


class Unsubscribed(Model):
    """A recipient who left through the one-click unsubscribe link of a mail."""

    address: str
    at: datetime


class Integration(Model):
    id: str
    tenant_id: str = Field(exclude=True)
    type: Literal["email"] = "email"
    name: str
    emails: list[str]
    events: list[EventType]
    active: bool = True
    disabled_reason: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int = Field(1, exclude=True)
    suppressed_addresses: list[str] = Field(default_factory=list, description=(
        "addresses on the tenant's suppression list (hard bounce or complaint): they get no mail"))
    warning: str | None = Field(None, description="set when no address of the integration can receive mail")
    failure_window_start: datetime | None = Field(None, description=(
        "the failure ratio (auto-disable) counts only send requests after this moment: set by every enable "
        "and every change of the addresses"))
    failure_window_baseline: tuple[int, int] = Field((0, 0), exclude=True)  # (total, failed) of that hour before it
    health: Literal["ok", "failing", "disabled"] | None = Field(None, description=(
        "failing as soon as the last send failed for an address, or the recent failed share is high"))
    health_detail: str | None = Field(None, description="why, in words: the failing address and SES's error")
    unsubscribed: list[Unsubscribed] = Field(default_factory=list, description=(
        "addresses that left through the unsubscribe link of a mail, latest last; adding one back to ``emails`` "
        "clears its entry"))
    unsubscribe_key: str | None = Field(None, exclude=True)  # signs its links; None: written before keys existed
    notifications: Notifications = Field("instant", description=NOTIFICATIONS_HELP)
    attach_data: bool = Field(False, description=ATTACH_DATA_HELP)
    sla_reminders: bool = Field(False, description=SLA_REMINDERS_HELP)
    report_hour: int = Field(0, ge=0, le=23, description=REPORT_HOUR_HELP)
    next_reports: dict[ReportFrequency, datetime] = Field(default_factory=dict, description=(
        "when the next report of each frequency it takes goes out, in the tenant's zone (empty while disabled)"))
    quiet_hours: QuietHours | None = Field(None, description=QUIET_HOURS_HELP)
    pdf_password_sealed: str | None = Field(None, exclude=True)  # KMS ciphertext (reports.protection), never shown

    @computed_field(description="whether its report PDFs are password-protected (the password is write-only)")
    def pdf_password_set(self) -> bool:
        return self.pdf_password_sealed is not None

    def subscribes(self, event_type: str) -> bool:
        return event_type in self.events


class IntegrationCreate(Strict):
    name: Name
    emails: Emails
    events: Events = Field(default_factory=lambda: list(DEFAULT_EVENTS))
    notifications: Notifications = Field("instant", description=NOTIFICATIONS_HELP)
    attach_data: StrictBool = Field(False, description=ATTACH_DATA_HELP)
    sla_reminders: StrictBool = Field(False, description=SLA_REMINDERS_HELP)
    report_hour: ReportHour = 0
    quiet_hours: QuietHours | None = Field(None, description=QUIET_HOURS_HELP)
    pdf_password: PdfPassword | None = None


class IntegrationUpdate(Patch):
    NULLABLE = frozenset({"quiet_hours", "pdf_password"})

    name: Name | None = None
    emails: Emails | None = None
    events: Events | None = None
    notifications: Notifications | None = None
    attach_data: StrictBool | None = None
    sla_reminders: StrictBool | None = None
    report_hour: ReportHour | None = None
    quiet_hours: QuietHours | None = Field(None, description=QUIET_HOURS_HELP)
    pdf_password: PdfPassword | None = None


class IntegrationPage(Model):
    items: list[Integration]
    next_cursor: str | None


# --- test integration -------------------------------------------------------------------------


class TestStep(Model):
    __test__ = False
    step: str
    ok: bool
    detail: str
    message_ids: list[str] = []
    subject: str | None = None


class TestResult(Model):
    __test__ = False
    ok: bool
    steps: list[TestStep]
    can_enable: bool = False


def new_unsubscribe_key() -> str:
    """A random key for an integration's unsubscribe links."""
    return secrets.token_urlsafe(32)
