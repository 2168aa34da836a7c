"""Pydantic models of the service: what the API accepts and returns, and what is stored."""

import ipaddress
import json
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib import clock

EventType = Literal[
    "report_daily", "report_weekly", "report_monthly", "system", "vuln_high", "vuln_medium", "vuln_low", "scope"
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
VULN_EVENTS: tuple[str, ...] = ("vuln_high", "vuln_medium", "vuln_low")
REPORT_EVENTS: tuple[str, ...] = ("report_daily", "report_weekly", "report_monthly")
DEFAULT_EVENTS: tuple[str, ...] = VULN_EVENTS
DEFAULT_INTEGRATION_EVENTS: tuple[str, ...] = ("report_weekly", "system", *VULN_EVENTS, "scope")
MAX_RECIPIENTS = 50

Role = Literal["admin", "viewer", "ingest"]


class Model(BaseModel):
    """Every model of the service. Its validator and serializer are built on first use, not at import:
    a cold start pays only for the few models its request touches."""

    model_config = ConfigDict(defer_build=True)


class Strict(Model):
    """Input model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _without_null(schema: dict[str, Any]) -> None:
    """The schema of a :class:`Patch`: its fields are optional, never nullable (``X | None = None`` says both)."""
    for prop in schema.get("properties", {}).values():
        if prop.get("default", "") is None:
            del prop["default"]
        options = [option for option in prop.pop("anyOf", []) if option != {"type": "null"}]
        if len(options) == 1:
            prop.update(options[0])
        elif options:
            prop["anyOf"] = options


class Patch(Strict):
    """Partial update: a field left out keeps its value; ``null`` is not a value."""

    model_config = ConfigDict(json_schema_extra=_without_null)

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value


# Control (Cc) and format (Cf: bidi overrides, zero-width, ...) characters and the line/paragraph separators,
# written out (Unicode 14, as Python 3.11; tests/test_models.py checks them against unicodedata) so the
# OpenAPI pattern says exactly what the server refuses. Astral ones are literal: ECMA regexes lack \U escapes.
_INVISIBLE = ("\\x00-\\x1f\\x7f-\\x9f\\xad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e"
              "\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb"
              "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
              "\U000e0001\U000e0020-\U000e007f")
# What str.strip() removes around a name.
_BLANK = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
_VISIBLE = f"[^{_INVISIBLE}{_BLANK}]"
NAME_PATTERN = f"^[{_BLANK}]*(?:{_VISIBLE}|{_VISIBLE}[^{_INVISIBLE}]*{_VISIBLE})[{_BLANK}]*$"
_REFUSED_IN_NAMES = re.compile(f"[{_INVISIBLE}\\ud800-\\udfff]")  # and lone surrogates: not encodable


def _clean_name(value: str) -> str:
    """Trimmed and NFC-normalised (one spelling per name); invisible and text-direction characters refused."""
    name = value.strip()
    if not name:
        raise PydanticCustomError("string_too_short", "String should have at least 1 character", {"min_length": 1})
    refused = sorted(set(_REFUSED_IN_NAMES.findall(name)))
    if refused:
        codes = ", ".join(f"U+{ord(char):04X}" for char in refused)
        raise ValueError(f"must not contain control, invisible or text-direction characters (found {codes})")
    return unicodedata.normalize("NFC", name)


Name = Annotated[
    str,
    StringConstraints(max_length=128),  # as typed, like the schema's maxLength
    AfterValidator(_clean_name),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 128, "pattern": NAME_PATTERN,
                    "description": "trimmed and NFC-normalised; no control or format (invisible, bidi) characters"},
                   mode="validation"),
]


def _split_addresses(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [part.strip() if isinstance(part, str) else part for part in value]
    return value


def normalise_address(raw: str) -> str:
    """One address, syntax-checked (no DNS) and normalised."""
    from email_validator import EmailNotValidError, validate_email  # compiles its grammar: only when used

    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"{raw!r} is not a valid email address: {exc}") from None


def _unique_addresses(values: list[str]) -> list[str]:
    unique: dict[str, str] = {}
    for address in values:
        unique.setdefault(address.casefold(), address)
    if not unique:
        raise ValueError("at least one email address is required")
    if len(unique) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} email addresses are allowed, got {len(unique)}")
    return list(unique.values())


# Addresses the schema promises to accept (the server takes any that email-validator does): dot-atoms at a
# host of ≤ 3 labels without "--" and a 2–3 letter top-level domain (none is special-use), ≤ 254 characters.
_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,30}"
_LABEL = "[A-Za-z0-9]{1,20}(?:-[A-Za-z0-9]{1,20}){0,2}"
ADDRESS_PATTERN = rf"{_ATOM}(?:\.{_ATOM})?@(?:{_LABEL}\.){{1,3}}[A-Za-z]{{2,3}}"
_ADDRESS_SCHEMA = {"type": "string", "pattern": f"^{ADDRESS_PATTERN}$", "maxLength": 254}


Email = Annotated[str, AfterValidator(normalise_address), WithJsonSchema(_ADDRESS_SCHEMA)]

# Each address is validated on its own, so every rejected one is named (``emails.<index>``).
Emails = Annotated[
    list[Email],
    BeforeValidator(_split_addresses),
    AfterValidator(_unique_addresses),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "description": "comma-separated addresses",
                 "pattern": f"^ *{ADDRESS_PATTERN}(?: *, *{ADDRESS_PATTERN})* *$"},
                {"type": "array", "items": _ADDRESS_SCHEMA, "minItems": 1},
            ],
            # JSON Schema cannot count distinct items case-insensitively: the limit is said, not schema'd
            "description": f"1–{MAX_RECIPIENTS} distinct addresses (duplicates, case-insensitively, are dropped); "
                           "each rejected one is named (emails.<index>)",
        },
        mode="validation",
    ),
]


def _expand_events(values: list[str]) -> list[str]:
    chosen = set(values)
    if "vuln" in chosen:
        chosen = (chosen - {"vuln"}) | set(VULN_EVENTS)
    if not chosen:
        raise ValueError("choose at least one event type")
    return [event for event in EVENT_TYPES if event in chosen]


Events = Annotated[list[Literal[EventType, "vuln"]], AfterValidator(_expand_events),
                   Field(json_schema_extra={"minItems": 1})]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"{value!r} is not an IANA time zone name (e.g. 'Europe/Berlin')")
    ZoneInfo(value)
    return value


class _ZoneNames:
    """The schema of a time zone: the names this server knows, listed when the schema is built (not at import)."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "enum": sorted(_zones()), "description": "an IANA time zone name"}


TimeZone = Annotated[str, AfterValidator(_check_zone), _ZoneNames()]


class ErrorDetail(Model):
    path: str
    message: str


class ErrorInfo(Model):
    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorBody(Model):
    error: ErrorInfo


class PageQuery(Strict):
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=1024)


# --- tenants and tokens ---------------------------------------------------------------


SlaDaysValue = Annotated[int, Field(ge=1, le=3650)]


class SlaDays(Strict):
    """Days a vulnerability of each risk may stay open before the reports call it overdue."""

    high: SlaDaysValue = 7
    medium: SlaDaysValue = 30
    low: SlaDaysValue = 90


class SlaDaysUpdate(Patch):
    high: SlaDaysValue | None = None
    medium: SlaDaysValue | None = None
    low: SlaDaysValue | None = None


class Tenant(Model):
    id: str
    name: str
    primary_email: str
    timezone: str = "UTC"
    created_at: datetime
    sla_days: SlaDays = Field(default_factory=SlaDays)


class TenantCreate(Strict):
    name: Name
    primary_email: Email
    timezone: TimeZone = "UTC"


class TenantUpdate(Patch):
    name: Name | None = None
    primary_email: Email | None = None
    timezone: TimeZone | None = None
    sla_days: SlaDaysUpdate | None = Field(None, description="risk levels left out keep their value")


class TenantCreated(Model):
    tenant: Tenant
    admin_token: str


class Token(Model):
    id: str
    name: str
    role: Role
    created_at: datetime


class TokenCreate(Strict):
    name: Name
    role: Role = "viewer"


class TokenCreated(Token):
    token: str


class TokenInfo(Token):
    """A token as listed: never its secret nor its hash. ``last_used_at`` is updated at most once an hour."""

    last_used_at: datetime | None = None


class TokenPage(Model):
    items: list[TokenInfo]
    next_cursor: str | None


# --- integrations -----------------------------------------------------------------------


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

    def subscribes(self, event_type: str) -> bool:
        return event_type in self.events


class IntegrationCreate(Strict):
    name: Name
    emails: Emails
    events: Events = Field(default_factory=lambda: list(DEFAULT_EVENTS))


class IntegrationUpdate(Patch):
    name: Name | None = None
    emails: Emails | None = None
    events: Events | None = None


class IntegrationPage(Model):
    items: list[Integration]
    next_cursor: str | None


# --- events -------------------------------------------------------------------------------

PlatformEventType = Literal[
    "user.created", "user.deleted", "user.role_changed",
    "application.created", "application.deleted", "application.renamed",
    "vulnerability.detected", "vulnerability.status_changed", "scope.changed", "api.changed",
    "attack.detected", "incident.detected",
]
ServiceEventType = Literal["integration.disabled", "integration.deleted", "integration.degraded"]
Text = Annotated[str, StringConstraints(max_length=2000)]
Actor = Annotated[Text | None, Field(description="who made the change (an email address or a name), named in the mail")]


class EventData(Model):
    """Free-form details; fields a template shows are checked per type by :data:`EVENT_DATA`."""

    model_config = ConfigDict(extra="allow")


class UserData(EventData):
    email: Text | None = None
    name: Text | None = None
    role: Text | None = None
    previous_role: Text | None = None
    actor: Actor = None


class ApplicationData(EventData):
    name: Text | None = None
    previous_name: Text | None = None
    application_id: Text | None = None
    actor: Actor = None


VulnerabilityStatus = Literal["open", "closed", "false_positive", "reopened"]


class VulnerabilityData(EventData):
    risk: Literal["high", "medium", "low"]
    title: Text = Field(min_length=1)
    host: Text | None = None
    domain: Text | None = None
    path: Text | None = None
    method: Text | None = None
    parameter: Text | None = None
    type: Text | None = None
    id: Text | None = None
    link: Text | None = None
    status: VulnerabilityStatus = Field("open", description="what the platform reports now; 'reopened' reads as "
                                                            "'open'")


class VulnerabilityStatusData(EventData):
    """A status change of a known vulnerability; ``risk`` and ``title`` let an unknown id be recorded too."""

    id: Text = Field(min_length=1)
    status: Literal["open", "closed", "false_positive"]
    risk: Literal["high", "medium", "low"] | None = None
    title: Text | None = Field(None, min_length=1)


class ScopeChange(Model):
    kind: Literal["host", "service", "domain"]
    action: Literal["added", "removed", "changed"]
    value: Text = Field(min_length=1)


class ScopeData(EventData):
    changes: list[ScopeChange] = Field(min_length=1, max_length=500)


def _ip_address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 or IPv6 address") from None


def _country_code(value: str) -> str:
    from iso3166 import countries  # its table is built on import: only when an attack names a country

    code = value.strip().upper()
    if len(code) != 2 or code not in countries:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. DE, US)")
    return code


class AttackData(EventData):
    type: Text = Field(min_length=1, description="attack type code, e.g. sqli, xss, brute")
    host: Text = Field(min_length=1, description="attacked host, e.g. api.acme.io")
    hits: int = Field(1, ge=1, le=10**9, description="malicious requests in this attack")
    ip: Annotated[str, AfterValidator(_ip_address)] | None = Field(
        None, max_length=64, description="source IPv4 or IPv6 address (stored normalised, e.g. 2001:db8::1)")
    country: Annotated[str, AfterValidator(_country_code)] | None = Field(
        None, max_length=8, description="source country, ISO 3166-1 alpha-2 (e.g. DE); stored upper-case")
    blocked: bool | None = Field(None, description="true: the platform blocked it; false or absent: only monitored")
    path: Text | None = Field(None, description="attacked path, e.g. /v2/orders?id=1 (reports drop the query)")
    application: Text | None = None


class IncidentData(EventData):
    title: Text = Field("Security incident", min_length=1)
    risk: Literal["high", "medium", "low"] = "medium"
    host: Text | None = None
    domain: Text | None = None
    attack_type: Text | None = None
    type: Text | None = None
    status: Text = "open"
    id: Text | None = None


class IntegrationEventData(EventData):
    integration_id: str
    name: str
    reason: Text | None = None
    mode: Literal["manual", "automatic"] | None = Field(None, description="how it was disabled")
    error: Text | None = Field(None, description="auto-disable: the most common recent SES error")
    failing_addresses: list[Text] | None = Field(None, max_length=MAX_RECIPIENTS,
                                                description="auto-disable: addresses whose last message failed")
    dead_lettered: int | None = Field(None, ge=0, description="auto-disable: dead letters in the failure window")


EVENT_DATA: dict[str, type[EventData]] = {
    "user.created": UserData, "user.deleted": UserData, "user.role_changed": UserData,
    "application.created": ApplicationData, "application.deleted": ApplicationData,
    "application.renamed": ApplicationData,
    "vulnerability.detected": VulnerabilityData, "vulnerability.status_changed": VulnerabilityStatusData,
    "scope.changed": ScopeData, "attack.detected": AttackData,
    "incident.detected": IncidentData,
    "integration.disabled": IntegrationEventData, "integration.deleted": IntegrationEventData,
    "integration.degraded": IntegrationEventData,
}

EventId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@/+=-]+$")]


EARLIEST_EVENT_TIME = datetime(2000, 1, 1, tzinfo=UTC)
EVENT_TIME_AHEAD = timedelta(days=1)
MAX_DATA_DEPTH = 32  # DynamoDB's own limit for a stored document
MAX_DATA_BYTES = 32 * 1024  # room for scope.changed's 500 changes; a request body is at most 64 KiB


def _event_time(value: datetime) -> datetime:
    """A time without an offset is UTC; the time must lie from 2000 to a day after now (the clock's)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    latest = clock.shift(clock.now(), EVENT_TIME_AHEAD)
    if not EARLIEST_EVENT_TIME <= value <= latest:
        raise ValueError(f"must lie between {clock.iso(EARLIEST_EVENT_TIME)} and a day after now "
                         f"({clock.iso(latest)})")
    return value


def nesting_depth(value: Any) -> int:
    """Levels of objects and arrays: ``{}`` is 1, ``{"a": [1]}`` is 2. No recursion: any depth is measured."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack += [(child, level + 1) for child in (item.values() if isinstance(item, dict) else item)]
    return deepest


def _bounded_data(value: Any) -> Any:
    if not isinstance(value, dict):
        return value  # the field's type says what is wrong
    depth = nesting_depth(value)
    if depth > MAX_DATA_DEPTH:
        raise ValueError(f"is nested {depth} levels deep (objects and arrays); at most {MAX_DATA_DEPTH} are allowed")
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode())
    if size > MAX_DATA_BYTES:
        raise ValueError(f"is {size} bytes as JSON; at most {MAX_DATA_BYTES} are allowed")
    return value


class Event(Strict):
    """An event from the platform (``POST /v1/events`` or EventBridge) or from this service."""

    id: EventId
    type: Literal[get_args(PlatformEventType) + get_args(ServiceEventType)]  # type: ignore[valid-type]
    time: Annotated[datetime, AfterValidator(_event_time)] = Field(description=(
        "when it happened: from 2000-01-01T00:00:00Z to one day after now; without an offset, UTC"))
    data: Annotated[dict[str, Any], BeforeValidator(_bounded_data)] = Field(default_factory=dict, description=(
        f"at most {MAX_DATA_DEPTH} levels of objects and arrays and {MAX_DATA_BYTES // 1024} KiB as compact JSON"))

    def details(self) -> EventData:
        """``data`` validated against the type's schema (raises ``ValidationError``)."""
        return EVENT_DATA.get(self.type, EventData).model_validate(self.data)


class EventBatch(Strict):
    events: list[Any] = Field(min_length=1, max_length=100, json_schema_extra={
        "description": "Each item is an Event {id, type, time, data}; invalid items are rejected one by one "
                       "(among the checks: time from 2000-01-01T00:00:00Z to one day after now, data at most 32 "
                       "levels deep and 32 KiB as JSON)."})


class EventResult(Model):
    id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    error: ErrorInfo | None = None


class EventResults(Model):
    results: list[EventResult]


# --- deliveries ---------------------------------------------------------------------------

DeliveryStatus = Literal["queued", "sending", "retrying", "sent", "dead", "skipped"]
FINAL_STATUSES = frozenset({"sent", "dead", "skipped"})


class Attempt(Model):
    """One message of a try: each recipient gets its own, so each has its own outcome."""

    number: int
    at: datetime
    outcome: Literal["sent", "failed", "interrupted"]
    recipient: str | None = Field(None, description="the address this message went to")
    error_code: str | None = None
    error: str | None = None
    message_id: str | None = None
    suppressed: list[str] = Field(default_factory=list, description="addresses left out: on the suppression list")


class Delivery(Model):
    id: str
    tenant_id: str = Field(exclude=True)
    integration_id: str
    kind: Literal["notification", "report", "alert"] = "notification"
    event_id: str | None = None
    event_type: str | None = None
    subject: str
    status: DeliveryStatus = "queued"
    attempts: list[Attempt] = []
    claimed: int = 0
    claimed_at: datetime | None = None
    next_try_at: datetime | None = None
    last_error: str | None = None
    reason: str | None = None
    recipients: list[str] | None = Field(None, description="fixed recipients (a notice about the integration "
                                                           "itself); otherwise the integration's, read at each try")
    recipients_sent: list[str] = Field(default_factory=list, description="addresses that got it: never sent again")
    recipients_pending: list[str] = Field(default_factory=list, description=(
        "addresses of the current or last try that have not got it (retried, or dead-lettered)"))
    subscription: str | None = Field(None, description="the subscribed event type it was sent for, e.g. vuln_high")
    bypass_active: bool = False
    created_at: datetime
    updated_at: datetime
    html: str = Field("", exclude=True)
    text: str = Field("", exclude=True)
    attachment_key: str | None = Field(None, exclude=True)


class DeliveryQuery(PageQuery):
    status: DeliveryStatus | None = None


class DeliveryPage(Model):
    items: list[Delivery]
    next_cursor: str | None


# --- suppressions (hard bounces and complaints) ---------------------------------------------


class Suppression(Model):
    """An address of the tenant that gets no mail: it hard-bounced or its owner complained."""

    email: str
    reason: Literal["bounce", "complaint"]
    detail: str | None = None
    message_id: str | None = Field(None, description="SES message id of the mail that bounced or was reported")
    created_at: datetime


class SuppressionPage(Model):
    items: list[Suppression]
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


# --- reports ------------------------------------------------------------------------------------

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


# --- triggers (additional alerts) -----------------------------------------------------------

TriggerMetric = Literal["attacks", "hits", "incidents"]
TriggerInterval = Literal["minute", "hour", "day"]
INTERVAL_SECONDS: dict[str, int] = {"minute": 60, "hour": 3600, "day": 86400}
MAX_TRIGGER_INTEGRATIONS = 20
FilterValue = Annotated[str, StringConstraints(max_length=256), AfterValidator(_clean_name),
                        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 256, "pattern": NAME_PATTERN})]
ObjectId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_HEXTET = "[0-9A-Fa-f]{1,4}"
# What an ``ip`` filter value may be: an address or a CIDR block (host bits allowed: ``10.0.0.1/8`` = 10/8).
IP_FILTER_SCHEMA: dict[str, Any] = {"type": "string", "anyOf": [
    {"format": "ipv4"}, {"format": "ipv6"},
    {"pattern": rf"^{_OCTET}(?:\.{_OCTET}){{3}}/(?:3[0-2]|[12]?[0-9])$"},
    {"pattern": rf"^(?:(?:{_HEXTET}:){{7}}{_HEXTET}|(?:{_HEXTET}:){{1,7}}:)/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])$"},
]}
# A domain filter compares with the event's host: a value with a space or a '/' (a URL, a path) never matches.
DOMAIN_FILTER_PATTERN = f"^[{_BLANK}]*[^{_INVISIBLE}{_BLANK}/]+[{_BLANK}]*$"
_NOT_IN_DOMAINS = re.compile(f"[{_BLANK}/]")


def _check_filter_values(kind: str, values: list[str]) -> list[str]:
    """Each value a filter of ``kind`` can ever match, or a ``ValueError`` naming every one it never can."""
    import ipaddress  # only triggers with filters need it

    problems = []
    for value in values:
        if kind == "ip":
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                problems.append(f"{value!r} is not an IPv4/IPv6 address or CIDR block")
        elif kind == "domain" and _NOT_IN_DOMAINS.search(value):
            problems.append(f"{value!r} is not a host or domain name (no spaces; leave out scheme and path)")
    if problems:
        raise ValueError("; ".join(problems))
    return values


class FilterRule(Strict):
    """Matches an event whose value is any of ``values`` (case-insensitive; an ``ip`` value may be a CIDR
    block); ``exclude`` turns it into "none of"."""

    values: list[FilterValue] = Field(min_length=1, max_length=100)
    exclude: bool = False


def _filter_shorthand(value: Any) -> Any:
    return {"values": value} if isinstance(value, list) else value


def _filter(kind: str, value_schema: dict[str, Any]) -> Any:
    """The type of one filter: a list of values or ``{values, exclude}``, each value one ``kind`` can match."""
    values = {"type": "array", "items": {**value_schema, "maxLength": 256},
              "minItems": 1, "maxItems": 100}

    def check(rule: FilterRule) -> FilterRule:
        _check_filter_values(kind, rule.values)
        return rule

    return Annotated[
        FilterRule,
        BeforeValidator(_filter_shorthand),
        AfterValidator(check),
        WithJsonSchema({"anyOf": [{**values, "description": "any of these values"},
                                  {"type": "object", "required": ["values"], "additionalProperties": False,
                                   "properties": {"values": values,
                                                  "exclude": {"type": "boolean", "default": False,
                                                              "description": "none of these values"}}}]},
                       mode="validation"),
    ]


DomainFilter = _filter("domain", {"type": "string", "pattern": DOMAIN_FILTER_PATTERN})
TextFilter = _filter("text", {"type": "string", "pattern": NAME_PATTERN})
IpFilter = _filter("ip", IP_FILTER_SCHEMA)


class TriggerFilters(Strict):
    """Every filter given must match (AND); within one filter the values are alternatives (OR)."""

    domain: DomainFilter | None = None  # type: ignore[valid-type]
    attack_type: TextFilter | None = None  # type: ignore[valid-type]
    ip: IpFilter | None = None  # type: ignore[valid-type]
    application: TextFilter | None = None  # type: ignore[valid-type]


class ThresholdCondition(Strict):
    type: Literal["threshold"]
    metric: TriggerMetric
    interval: TriggerInterval
    threshold: int = Field(ge=1, le=10**9, description="fires when the window's count goes above this number")
    filters: TriggerFilters = Field(default_factory=TriggerFilters)


class ApiChangedCondition(Strict):
    type: Literal["api_changed"]


class UserAddedCondition(Strict):
    type: Literal["user_added"]


Condition = Annotated[ThresholdCondition | ApiChangedCondition | UserAddedCondition, Field(discriminator="type")]


def _unique_ids(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


IntegrationIds = Annotated[list[ObjectId], Field(min_length=1, max_length=MAX_TRIGGER_INTEGRATIONS),
                           AfterValidator(_unique_ids)]


class TerraformThreshold(Strict):
    period: Literal[60, 3600, 86400] = Field(description="seconds: 60 (minute), 3600 (hour) or 86400 (day)")
    operator: Literal["gt"] = "gt"
    count: int = Field(ge=1, le=10**9)


def _terraform_value_schema(filter_id: str, value_schema: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"properties": {"filter_id": {"const": filter_id}}, "required": ["filter_id"]},
            "then": {"properties": {"value": {"items": value_schema}}}}


class TerraformFilter(Strict):
    model_config = ConfigDict(json_schema_extra={"allOf": [
        _terraform_value_schema("ip_address", IP_FILTER_SCHEMA),
        _terraform_value_schema("domain", {"pattern": DOMAIN_FILTER_PATTERN})]})

    filter_id: Literal["ip_address", "pool", "attack_type", "domain"]
    operator: Literal["eq", "ne"] = "eq"
    value: list[FilterValue] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _matchable(self) -> "TerraformFilter":
        _check_filter_values({"ip_address": "ip"}.get(self.filter_id, self.filter_id), self.value)
        return self


class TerraformAction(Strict):
    action_id: Literal["send_notification"]
    integration_id: list[ObjectId] = Field(min_length=1, max_length=MAX_TRIGGER_INTEGRATIONS)


TerraformTemplate = Literal["attacks_exceeded", "hits_exceeded", "incidents_exceeded", "user_created"]
_TERRAFORM_FIELDS = ("template_id", "enabled", "threshold", "filters", "actions")
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


def _null(*names: str) -> dict[str, Any]:
    return {name: {"type": "null"} for name in names}


# What the model validators below enforce, said in the schema: one shape or the other (a field of the other shape
# may only be null, as good as left out), a threshold for the threshold templates and none for user_created.
_TRIGGER_SHAPES: dict[str, Any] = {"oneOf": [
    {"title": "native", "required": ["name", "integration_ids", "condition"],
     "properties": {"name": {"type": "string"}, "integration_ids": {"type": "array"}, "condition": {"type": "object"},
                    **_null(*_TERRAFORM_FIELDS)}},
    {"title": "Terraform, threshold", "required": ["template_id", "actions", "threshold"],
     "properties": {"template_id": {"enum": ["attacks_exceeded", "hits_exceeded", "incidents_exceeded"]},
                    "actions": {"type": "array"}, "threshold": {"type": "object"},
                    **_null("condition", "integration_ids")}},
    {"title": "Terraform, user_created", "required": ["template_id", "actions"],
     "properties": {"template_id": {"const": "user_created"}, "actions": {"type": "array"},
                    **_null("condition", "integration_ids", "threshold", "filters")}},
]}


class TriggerCreate(Strict):
    """A trigger in the native shape (``name``, ``integration_ids``, ``condition``) or in Wallarm's Terraform
    vocabulary (``template_id``, ``threshold``, ``filters``, ``actions``), which is mapped onto the native one."""

    model_config = ConfigDict(json_schema_extra=lambda schema: schema.update(_TRIGGER_SHAPES))

    name: Name | None = None
    active: bool = True
    integration_ids: IntegrationIds | None = None
    condition: Condition | None = None
    template_id: TerraformTemplate | None = None
    enabled: bool | None = None
    comment: Comment | None = None
    threshold: TerraformThreshold | None = None
    filters: list[TerraformFilter] | None = None
    actions: list[TerraformAction] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _native(self) -> "TriggerCreate":
        if self.template_id is not None:
            from chalicelib.triggers.vocabulary import to_native  # the mapping lives with the trigger domain

            return to_native(self)
        given = [name for name in _TERRAFORM_FIELDS if getattr(self, name) is not None]
        if given:
            raise ValueError(f"{', '.join(given)} belong to the Terraform vocabulary, which needs template_id")
        missing = [name for name in ("name", "integration_ids", "condition") if getattr(self, name) is None]
        if missing:
            raise ValueError(f"missing: {', '.join(missing)}")
        return self


class TriggerUpdate(Patch):
    name: Name | None = None
    comment: Comment | None = None
    active: bool | None = None
    integration_ids: IntegrationIds | None = None
    condition: Condition | None = None


class Trigger(Model):
    id: str
    tenant_id: str = Field(exclude=True)
    name: str
    comment: str | None = None
    active: bool = True
    disabled_reason: str | None = None
    integration_ids: list[str]
    condition: Condition
    created_at: datetime
    updated_at: datetime
    last_fired_at: datetime | None = None
    last_outcome: str | None = Field(None, description="what the last firing sent, or why it sent nothing")
    version: int = Field(1, exclude=True)


class TriggerPage(Model):
    items: list[Trigger]
    next_cursor: str | None
