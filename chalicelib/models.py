"""Pydantic models of the service: what the API accepts and returns, and what is stored."""

import ipaddress
from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

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


class Patch(Strict):
    """Partial update: a field left out keeps its value; ``null`` is not a value."""

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value


Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$"
    ),
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


def _normalise_addresses(values: list[str]) -> list[str]:
    unique: dict[str, str] = {}
    for raw in values:
        address = normalise_address(raw)
        unique.setdefault(address.casefold(), address)
    if not unique:
        raise ValueError("at least one email address is required")
    if len(unique) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} email addresses are allowed, got {len(unique)}")
    return list(unique.values())


Emails = Annotated[
    list[str],
    BeforeValidator(_split_addresses),
    AfterValidator(_normalise_addresses),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "description": "comma-separated addresses"},
                {"type": "array", "items": {"type": "string"}, "minItems": 1},
            ],
            "description": f"1–{MAX_RECIPIENTS} addresses, de-duplicated case-insensitively",
        },
        mode="validation",
    ),
]

Email = Annotated[str, AfterValidator(normalise_address)]


def _expand_events(values: list[str]) -> list[str]:
    chosen = set(values)
    if "vuln" in chosen:
        chosen = (chosen - {"vuln"}) | set(VULN_EVENTS)
    if not chosen:
        raise ValueError("choose at least one event type")
    return [event for event in EVENT_TYPES if event in chosen]


Events = Annotated[list[Literal[EventType, "vuln"]], AfterValidator(_expand_events)]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"{value!r} is not an IANA time zone name (e.g. 'Europe/Berlin')")
    ZoneInfo(value)
    return value


TimeZone = Annotated[str, AfterValidator(_check_zone)]


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


class Tenant(Model):
    id: str
    name: str
    primary_email: str
    timezone: str = "UTC"
    created_at: datetime


class TenantCreate(Strict):
    name: Name
    primary_email: Email
    timezone: TimeZone = "UTC"


class TenantUpdate(Patch):
    name: Name | None = None
    primary_email: Email | None = None
    timezone: TimeZone | None = None


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


class TokenPage(Model):
    items: list[Token]


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
    "vulnerability.detected", "scope.changed", "api.changed",
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
    status: Literal["open", "closed"] = "open"


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


EVENT_DATA: dict[str, type[EventData]] = {
    "user.created": UserData, "user.deleted": UserData, "user.role_changed": UserData,
    "application.created": ApplicationData, "application.deleted": ApplicationData,
    "application.renamed": ApplicationData,
    "vulnerability.detected": VulnerabilityData, "scope.changed": ScopeData, "attack.detected": AttackData,
    "incident.detected": IncidentData,
    "integration.disabled": IntegrationEventData, "integration.deleted": IntegrationEventData,
    "integration.degraded": IntegrationEventData,
}

EventId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@/+=-]+$")]


class Event(Strict):
    """An event from the platform (``POST /v1/events`` or EventBridge) or from this service."""

    id: EventId
    type: Literal[get_args(PlatformEventType) + get_args(ServiceEventType)]  # type: ignore[valid-type]
    time: datetime
    data: dict[str, Any] = Field(default_factory=dict)

    def details(self) -> EventData:
        """``data`` validated against the type's schema (raises ``ValidationError``)."""
        return EVENT_DATA.get(self.type, EventData).model_validate(self.data)


class EventBatch(Strict):
    events: list[Any] = Field(min_length=1, max_length=100, json_schema_extra={
        "description": "Each item is an Event {id, type, time, data}; invalid items are rejected one by one."})


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
    number: int
    at: datetime
    outcome: Literal["sent", "failed", "interrupted"]
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
    recipients: list[str] | None = None
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


class ReportPreviewRequest(Strict):
    frequency: ReportFrequency
    period_end: date | None = Field(None, description="last included day (tenant's time zone); default: the last "
                                                      "complete period")


# --- triggers (additional alerts) -----------------------------------------------------------

TriggerMetric = Literal["attacks", "hits", "incidents"]
TriggerInterval = Literal["minute", "hour", "day"]
INTERVAL_SECONDS: dict[str, int] = {"minute": 60, "hour": 3600, "day": 86400}
MAX_TRIGGER_INTEGRATIONS = 20
FilterValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
ObjectId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]


class FilterRule(Strict):
    """Matches an event whose value is any of ``values`` (case-insensitive; an ``ip`` value may be a CIDR
    block); ``exclude`` turns it into "none of"."""

    values: list[FilterValue] = Field(min_length=1, max_length=100)
    exclude: bool = False


def _filter_shorthand(value: Any) -> Any:
    return {"values": value} if isinstance(value, list) else value


Filter = Annotated[
    FilterRule,
    BeforeValidator(_filter_shorthand),
    WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 100,
                               "description": "any of these values"},
                              {"type": "object", "required": ["values"], "additionalProperties": False,
                               "properties": {"values": {"type": "array", "items": {"type": "string"},
                                                         "minItems": 1, "maxItems": 100},
                                              "exclude": {"type": "boolean", "default": False,
                                                          "description": "none of these values"}}}]},
                   mode="validation"),
]


class TriggerFilters(Strict):
    """Every filter given must match (AND); within one filter the values are alternatives (OR)."""

    domain: Filter | None = None
    attack_type: Filter | None = None
    ip: Filter | None = None
    application: Filter | None = None


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


class TerraformFilter(Strict):
    filter_id: Literal["ip_address", "pool", "attack_type", "domain"]
    operator: Literal["eq", "ne"] = "eq"
    value: list[FilterValue] = Field(min_length=1, max_length=100)


class TerraformAction(Strict):
    action_id: Literal["send_notification"]
    integration_id: list[ObjectId] = Field(min_length=1, max_length=MAX_TRIGGER_INTEGRATIONS)


TerraformTemplate = Literal["attacks_exceeded", "hits_exceeded", "incidents_exceeded", "user_created"]
_TERRAFORM_FIELDS = ("template_id", "enabled", "threshold", "filters", "actions")
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class TriggerCreate(Strict):
    """A trigger in the native shape (``name``, ``integration_ids``, ``condition``) or in Wallarm's Terraform
    vocabulary (``template_id``, ``threshold``, ``filters``, ``actions``), which is mapped onto the native one."""

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
