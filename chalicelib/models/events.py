"""Events: what the platform and this service report, their data per type, and the one event registry.

:data:`EVENTS` declares every event type once: where it comes from, its data model, who subscribes to it, its
headline in words, how it is mailed, and what it counts for in triggers. Validation, routing, the mails, the
console's words and the EventBridge rule all read it (``tests/unit/test_event_registry.py``).
"""

import ipaddress
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictBool,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    create_model,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from chalicelib import clock
from chalicelib.models.common import MAX_RECIPIENTS, ErrorInfo, Model, Strict
from chalicelib.models.triggers import ApiChangedCondition, ThresholdCondition, UserAddedCondition

# What an integration subscribes to (DESIGN §1): reports, and the notification kinds events are routed by.
EventType = Literal[
    "report_daily", "report_weekly", "report_monthly", "system", "vuln_high", "vuln_medium", "vuln_low", "scope"
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
VULN_EVENTS: tuple[str, ...] = ("vuln_high", "vuln_medium", "vuln_low")
REPORT_EVENTS: tuple[str, ...] = ("report_daily", "report_weekly", "report_monthly")

Text = Annotated[str, StringConstraints(max_length=2000)]
Actor = Annotated[Text | None, Field(description="who made the change (an email address or a name), named in the mail")]


class EventData(Model):
    """Free-form details; fields a template shows are checked per type by :data:`EVENT_DATA`, with JSON's own types
    (strict: ``"5"`` or ``true`` is no count, ``"true"`` no flag), as the OpenAPI document describes them."""

    model_config = ConfigDict(extra="allow", strict=True)


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
    application: Text | None = Field(None, description="the application it was found in (risk by asset)")
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
    """A source address; an IPv6 zone (``fe80::1%eth0``) names a link on the sender's host, not a source."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 or IPv6 address") from None
    if getattr(address, "scope_id", None) is not None:
        raise ValueError(f"{value!r} has a zone (scope id) after '%'; send the address alone")
    return str(address)


def _country_code(value: str) -> str:
    from iso3166 import countries  # its table is built on import: only when an attack names a country

    code = value.strip().upper()
    if len(code) != 2 or code not in countries:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. DE, US)")
    return code


class AttackData(EventData):
    type: Text = Field(min_length=1, description="attack type code, e.g. sqli, xss, brute")
    host: Text = Field(min_length=1, description="attacked host, e.g. api.acme.io")
    hits: StrictInt = Field(1, ge=1, le=10**9, description="malicious requests in this attack (a JSON integer)")
    ip: Annotated[str, AfterValidator(_ip_address)] | None = Field(
        None, max_length=64, description="source IPv4 or IPv6 address (stored normalised, e.g. 2001:db8::1)")
    country: Annotated[str, AfterValidator(_country_code)] | None = Field(
        None, max_length=8, description="source country, ISO 3166-1 alpha-2 (e.g. DE); stored upper-case")
    blocked: StrictBool | None = Field(None, description="true: the platform blocked it; false or absent: monitored")
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


class RecipientLeftData(EventData):
    integration_id: str
    name: str
    address: Text = Field(description="the address that used the unsubscribe link of a mail")
    recipients_left: int = Field(ge=0, description="addresses the integration still sends to")


Origin = Literal["platform", "service", "trigger"]
# ``vuln`` is ``vuln_<risk>``, the risk read from the event's data.
Subscription = Literal["system", "vuln", "scope"]
# Who builds a type's mail: an event's builder in email/notifications.py (``BUILDERS``: the system notices, one per
# case that says more than its facts, and the vulnerability and scope mails), or a trigger's alert in email/alerts.py
# (from a window's tally or a group's events, so the trigger evaluator calls it).
Mail = Literal["system", "user_created", "role_changed", "integration_disabled", "integration_degraded",
               "recipient_unsubscribed", "report_late", "vulnerability", "vulnerability_status", "scope",
               "alert_threshold", "alert_events"]


class EventKind(NamedTuple):  # not a dataclass: its generated methods cost every cold start ~1 ms
    """One event type. ``subscription``: the integrations it is mailed to (``None``: never on its own); ``mail``:
    who builds its mail (``None``: never mailed); ``mail_headline``: a system notice's headline, with ``{user}``,
    ``{as_role}``, ``{role}``, ``{name}`` and ``{previous_name}`` (without one, ``headline``);
    ``triggers``: the trigger metrics or condition types it counts for; ``template``: its own email template
    (``chalicelib/email/templates/<template>.html``) instead of the one named as its builder. A ``trigger.*`` kind
    is an alert; its data is the condition."""

    origin: Origin
    data: type[Model]
    headline: str
    subscription: Subscription | None = None
    mail: Mail | None = None
    mail_headline: str = ""
    triggers: tuple[str, ...] = ()
    template: str | None = None

    def mail_template(self) -> str | None:
        """The email template its mail is rendered with."""
        return self.template or self.mail


EVENTS: dict[str, EventKind] = {
    "user.created": EventKind("platform", UserData, "User added", "system", "user_created",
                              "New user added: {user}{as_role}", triggers=("user_added",), template="system"),
    "user.deleted": EventKind("platform", UserData, "User deleted", "system", "system", "User deleted: {user}"),
    "user.role_changed": EventKind("platform", UserData, "User role changed", "system", "role_changed",
                                   "Role of {user} changed to {role}", template="system"),
    "application.created": EventKind("platform", ApplicationData, "Application created", "system", "system",
                                     "Application created: {name}"),
    "application.deleted": EventKind("platform", ApplicationData, "Application deleted", "system", "system",
                                     "Application deleted: {name}"),
    "application.renamed": EventKind("platform", ApplicationData, "Application renamed", "system", "system",
                                     "Application renamed: {previous_name} → {name}"),
    "vulnerability.detected": EventKind("platform", VulnerabilityData, "Vulnerability detected", "vuln",
                                        "vulnerability"),
    "vulnerability.status_changed": EventKind("platform", VulnerabilityStatusData, "Vulnerability status changed",
                                              "vuln", "vulnerability_status"),
    "scope.changed": EventKind("platform", ScopeData, "Scope changed", "scope", "scope"),
    "api.changed": EventKind("platform", EventData, "API changed", triggers=("api_changed",)),
    "attack.detected": EventKind("platform", AttackData, "Attack detected", triggers=("attacks", "hits")),
    "incident.detected": EventKind("platform", IncidentData, "Incident detected", triggers=("incidents",)),
    "integration.disabled": EventKind("service", IntegrationEventData, "Integration disabled", "system",
                                      "integration_disabled", "Integration disabled: {name}", template="system"),
    "integration.deleted": EventKind("service", IntegrationEventData, "Integration deleted", "system", "system",
                                     "Integration deleted: {name}"),
    "integration.degraded": EventKind("service", IntegrationEventData, "Integration failing", "system",
                                      "integration_degraded", "Integration failing: {name}", template="system"),
    "integration.recipient_unsubscribed": EventKind("service", RecipientLeftData, "Recipient unsubscribed", "system",
                                                    "recipient_unsubscribed", "Recipient unsubscribed from {name}",
                                                    template="system"),
    "report.late": EventKind("service", EventData, "Scheduled reports late", "system", "report_late",
                             template="system"),  # data: reports (lines), hours (reports/watchdog.py)
    "trigger.threshold": EventKind("trigger", ThresholdCondition, "Threshold alert", mail="alert_threshold"),
    "trigger.api_changed": EventKind("trigger", ApiChangedCondition, "API changes alert", mail="alert_events"),
    "trigger.user_added": EventKind("trigger", UserAddedCondition, "New user alert", mail="alert_events"),
}


def of_origin(origin: Origin) -> tuple[str, ...]:
    """The registered event types from ``origin``, in the registry's order."""
    return tuple(event_type for event_type, kind in EVENTS.items() if kind.origin == origin)


def alert_type(condition_type: str) -> str:
    """The event type of a trigger's alert: ``trigger.<condition type>``."""
    return f"trigger.{condition_type}"


PLATFORM_EVENTS = of_origin("platform")
SERVICE_EVENTS = of_origin("service")
PlatformEventType = Literal[PLATFORM_EVENTS]  # type: ignore[valid-type]
ServiceEventType = Literal[SERVICE_EVENTS]  # type: ignore[valid-type]
# The data model of each event type an Event may have (a trigger alert's data is its condition, not event data).
EVENT_DATA: dict[str, type[EventData]] = {event_type: kind.data for event_type, kind in EVENTS.items()
                                          if issubclass(kind.data, EventData)}

# A producer's id never holds "#"; every id of this service's own (notices, alerts) starts with OWN_ID_PREFIX, so
# no id a producer posts can claim one of ours (in the events table, the delivery ids, the digests).
EventId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@/+=-]+$")]
OWN_ID_PREFIX = "svc#"


def own_id(*parts: str) -> str:
    """An idempotency key of this service's own (a notice's event id, an alert's source id): ``svc#a:b``."""
    return OWN_ID_PREFIX + ":".join(parts)


EARLIEST_EVENT_TIME = datetime(2000, 1, 1, tzinfo=UTC)
EVENT_TIME_AHEAD = timedelta(days=1)
MAX_DATA_DEPTH = 32  # DynamoDB's own limit for a stored document
MAX_DATA_BYTES = 32 * 1024  # room for scope.changed's 500 changes; a request body is at most 64 KiB


def _time_text(value: Any) -> Any:
    """A time is an ISO 8601 string (JSON has no time type): a number is not read as seconds since 1970."""
    if not isinstance(value, str | datetime):
        raise ValueError("must be an ISO 8601 date-time string, e.g. 2026-11-25T10:00:00Z")
    return value


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
    """An event from the platform (:class:`PlatformEvent`) or from this service (its id is :func:`own_id`'s)."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    type: Literal[PLATFORM_EVENTS + SERVICE_EVENTS]  # type: ignore[valid-type]
    time: Annotated[datetime, BeforeValidator(_time_text), AfterValidator(_event_time)] = Field(description=(
        "when it happened: from 2000-01-01T00:00:00Z to one day after now; without an offset, UTC"))
    data: Annotated[dict[str, Any], BeforeValidator(_bounded_data)] = Field(default_factory=dict, description=(
        f"at most {MAX_DATA_DEPTH} levels of objects and arrays and {MAX_DATA_BYTES // 1024} KiB as compact JSON"))

    @model_validator(mode="after")
    def _id_in_its_origins_namespace(self) -> "Event":
        if (EVENTS[self.type].origin == "platform") == self.id.startswith(OWN_ID_PREFIX):
            raise ValueError(f"the id of {self.type} must {'not ' if EVENTS[self.type].origin == 'platform' else ''}"
                             f"start with {OWN_ID_PREFIX!r} (this service's own ids)")
        return self

    def details(self) -> EventData:
        """``data`` validated against the type's schema (raises ``ValidationError``)."""
        return EVENT_DATA.get(self.type, EventData).model_validate(self.data)


def _platform_type(value: Any) -> Any:
    """A registered type of another origin is refused saying why (its data would otherwise forge our notices)."""
    if isinstance(value, str) and value in EVENTS and EVENTS[value].origin != "platform":
        raise ValueError(f"{value!r} is emitted by this service alone ({EVENTS[value].origin} event); producers "
                         f"may send only the platform's event types: {', '.join(PLATFORM_EVENTS)}")
    return value


class PlatformEvent(Event):
    """An event from outside (``POST /v1/events``, EventBridge): a platform type, a producer's id."""

    id: EventId
    type: Annotated[PlatformEventType, BeforeValidator(_platform_type)]


def _documented_event(event_type: str) -> type[PlatformEvent]:
    """The schema of one platform type: its ``type`` and its registered ``data`` model (documentation only: ingest
    validates with :class:`PlatformEvent` and :meth:`Event.details`, so each item is refused on its own)."""
    data = EVENTS[event_type].data
    optional = all(not field.is_required() for field in data.model_fields.values())
    name = "".join(part.title() for part in event_type.replace("_", ".").split(".")) + "Event"
    return create_model(name, __base__=PlatformEvent, __doc__=f"{EVENTS[event_type].headline}.",
                        type=(Literal[event_type], ...),
                        data=(data, Field(default_factory=dict) if optional else ...))  # type: ignore[call-overload]


@cache
def documented_events() -> Any:
    """One schema per platform type, told apart by ``type`` (built when a document asks: not at cold start)."""
    models = tuple(_documented_event(event_type) for event_type in PLATFORM_EVENTS)
    return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007 - a Union of a tuple of types


class _EventItem:
    """A batch's item: anything, validated one by one by ingest; documented as :func:`documented_events`."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.any_schema()

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return handler(TypeAdapter(documented_events()).core_schema)


class EventBatch(Strict):
    events: list[_EventItem] = Field(min_length=1, max_length=100, json_schema_extra={
        "description": "Each item is an event {id, type, time, data} of a platform type; invalid items are rejected "
                       "one by one, in a 202 "
                       "(among the checks: time from 2000-01-01T00:00:00Z to one day after now, data at most 32 "
                       "levels deep and 32 KiB as JSON)."})


class EventResult(Model):
    id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    error: ErrorInfo | None = None


class EventResults(Model):
    results: list[EventResult]
