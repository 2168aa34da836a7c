"""Triggers (additional alerts): conditions, filters, and Wallarm's Terraform vocabulary mapped onto them."""

import ipaddress
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from chalicelib.models.common import (
    BLANK,
    INVISIBLE,
    NAME_PATTERN,
    Model,
    Name,
    Patch,
    Strict,
    clean_name,
    json_integer,
)

TriggerMetric = Literal["attacks", "hits", "incidents"]
TriggerInterval = Literal["minute", "hour", "day"]
INTERVAL_SECONDS: dict[str, int] = {"minute": 60, "hour": 3600, "day": 86400}
MAX_TRIGGER_INTEGRATIONS = 20
FilterValue = Annotated[str, StringConstraints(max_length=256), AfterValidator(clean_name),
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
DOMAIN_FILTER_PATTERN = f"^[{BLANK}]*[^{INVISIBLE}{BLANK}/]+[{BLANK}]*$"
_NOT_IN_DOMAINS = re.compile(f"[{BLANK}/]")


def _check_filter_values(kind: str, values: list[str]) -> list[str]:
    """Each value a filter of ``kind`` can ever match, or a ``ValueError`` naming every one it never can."""
    problems = []
    for value in values:
        if kind == "ip":
            try:
                if "%" in value:  # a zone (fe80::1%eth0): an event's address never carries one
                    raise ValueError(value)
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
    exclude: StrictBool = False


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
    threshold: StrictInt = Field(ge=0, le=10**9, description="fires when the window's count goes above this number "
                                                               "(0: any, at the first event)")
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
    period: Annotated[Literal[60, 3600, 86400], BeforeValidator(json_integer)] = Field(
        description="seconds: 60 (minute), 3600 (hour) or 86400 (day)")
    operator: Literal["gt"] = "gt"
    count: StrictInt = Field(ge=0, le=10**9)


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


# Wallarm's Terraform trigger vocabulary (``wallarm_trigger``) mapped onto the native trigger shape.
_TERRAFORM_METRICS = {"attacks_exceeded": "attacks", "hits_exceeded": "hits", "incidents_exceeded": "incidents"}
_TERRAFORM_INTERVALS = {60: "minute", 3600: "hour", 86400: "day"}
_TERRAFORM_FILTERS = {"ip_address": "ip", "pool": "application", "attack_type": "attack_type", "domain": "domain"}
_TERRAFORM_NAMES = {"attacks_exceeded": "Attacks exceeded", "hits_exceeded": "Hits exceeded",
         "incidents_exceeded": "Incidents exceeded", "user_created": "New user added"}


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
    active: StrictBool = True
    integration_ids: IntegrationIds | None = None
    condition: Condition | None = None
    template_id: TerraformTemplate | None = None
    enabled: StrictBool | None = None
    comment: Comment | None = None
    threshold: TerraformThreshold | None = None
    filters: list[TerraformFilter] | None = None
    actions: list[TerraformAction] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _native(self) -> "TriggerCreate":
        if self.template_id is not None:
            return _to_native(self)
        given = [name for name in _TERRAFORM_FIELDS if getattr(self, name) is not None]
        if given:
            raise ValueError(f"{', '.join(given)} belong to the Terraform vocabulary, which needs template_id")
        missing = [name for name in ("name", "integration_ids", "condition") if getattr(self, name) is None]
        if missing:
            raise ValueError(f"missing: {', '.join(missing)}")
        return self


def _to_native(body: "TriggerCreate") -> "TriggerCreate":
    """Fill ``name``, ``active``, ``integration_ids`` and ``condition`` from the Terraform fields."""
    if body.condition is not None or body.integration_ids is not None:
        raise ValueError("use either template_id (Terraform vocabulary) or condition and integration_ids, not both")
    if not body.actions:
        raise ValueError("actions: at least one send_notification action with integration_id is required")
    if body.template_id == "user_created":
        if body.threshold is not None or body.filters:
            raise ValueError("user_created takes no threshold or filters")
        condition: object = UserAddedCondition(type="user_added")
    else:
        if body.threshold is None:
            raise ValueError(f"{body.template_id} needs threshold {{period, operator: gt, count}}; period is one of "
                             f"{', '.join(str(p) for p in _TERRAFORM_INTERVALS)} seconds")
        filters: dict[str, dict[str, object]] = {}
        for rule in body.filters or []:
            name = _TERRAFORM_FILTERS[rule.filter_id]
            if name in filters:
                raise ValueError(f"filters: {rule.filter_id} is given twice; put all its values in one filter")
            filters[name] = {"values": rule.value, "exclude": rule.operator == "ne"}
        condition = ThresholdCondition(type="threshold", metric=_TERRAFORM_METRICS[body.template_id],  # type: ignore[arg-type]
                                       interval=_TERRAFORM_INTERVALS[body.threshold.period],  # type: ignore[arg-type]
                                       threshold=body.threshold.count,
                                       filters=TriggerFilters.model_validate(filters))
    body.condition = condition  # type: ignore[assignment]
    body.integration_ids = list(dict.fromkeys(i for action in body.actions for i in action.integration_id))
    body.name = body.name or _TERRAFORM_NAMES[body.template_id or ""]
    body.active = body.active if body.enabled is None else body.enabled
    return body


class TriggerUpdate(Patch):
    name: Name | None = None
    comment: Comment | None = None
    active: StrictBool | None = None
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


class Counted(Model):
    """What one event adds to a threshold window: ``amount`` in the metric's unit, and what the alert breaks it
    down by."""

    amount: int
    hits: int = 0
    blocked: bool = False
    type: str = "unknown"
    host: str = "unknown"
    ip: str | None = None
    country: str | None = None
    endpoint: str | None = None


class Tally(Model):
    """What one threshold window counted until it fired: ``count`` (the metric) over ``events`` events, and the
    breakdowns of the first ``itemised`` of those events (all of them, unless the window had more than a window
    keeps the details of): ``amount`` (the metric), ``hits``, ``blocked`` and the named breakdowns in the metric's
    unit, ``pairs`` by ``(type, host)``."""

    count: int = 0
    events: int = 0
    itemised: int = 0
    amount: int = 0
    hits: int = 0
    blocked: int = 0
    types: dict[str, int] = Field(default_factory=dict)
    hosts: dict[str, int] = Field(default_factory=dict)
    pairs: dict[tuple[str, str], int] = Field(default_factory=dict)
    ips: dict[str, int] = Field(default_factory=dict)
    endpoints: dict[str, int] = Field(default_factory=dict)
    ip_countries: dict[str, str] = Field(default_factory=dict)


class TriggerPage(Model):
    items: list[Trigger]
    next_cursor: str | None
