"""What every resource's models share: the base classes, names, addresses, time zones, the error body, paging."""

import re
import unicodedata
from functools import lru_cache
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

MAX_RECIPIENTS = 50


class Model(BaseModel):
    """Every model of the service. Its validator and serializer are built on first use, not at import:
    a cold start pays only for the few models its request touches."""

    model_config = ConfigDict(defer_build=True)


class Strict(Model):
    """Input model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _without_null(schema: dict[str, Any], model: type[Any]) -> None:
    """The schema of a :class:`Patch`: its fields are optional, never nullable (``X | None = None`` says both),
    except its ``NULLABLE`` ones."""
    for name, prop in schema.get("properties", {}).items():
        if name in model.NULLABLE:
            continue
        if prop.get("default", "") is None:
            del prop["default"]
        options = [option for option in prop.pop("anyOf", []) if option != {"type": "null"}]
        if len(options) == 1:
            prop.update(options[0])
        elif options:
            prop["anyOf"] = options


class Patch(Strict):
    """Partial update: a field left out keeps its value; ``null`` is not a value, except for a ``NULLABLE`` field
    (an optional setting, where ``null`` turns it off)."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()
    model_config = ConfigDict(json_schema_extra=_without_null)

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value


# Control (Cc) and format (Cf: bidi overrides, zero-width, ...) characters and the line/paragraph separators,
# written out (Unicode 14, as Python 3.11; tests/unit/test_models.py checks them against unicodedata) so the
# OpenAPI pattern says exactly what the server refuses. Astral ones are literal: ECMA regexes lack \U escapes.
INVISIBLE = ("\\x00-\\x1f\\x7f-\\x9f\\xad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e"
              "\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb"
              "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
              "\U000e0001\U000e0020-\U000e007f")
# What str.strip() removes around a name.
BLANK = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
_VISIBLE = f"[^{INVISIBLE}{BLANK}]"
NAME_PATTERN = f"^[{BLANK}]*(?:{_VISIBLE}|{_VISIBLE}[^{INVISIBLE}]*{_VISIBLE})[{BLANK}]*$"
_REFUSED_IN_NAMES = re.compile(f"[{INVISIBLE}\\ud800-\\udfff]")  # and lone surrogates: not encodable


def clean_name(value: str) -> str:
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
    AfterValidator(clean_name),
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


def _checked(raw: str) -> Any:
    """The one address rule, for what the API accepts and what the mailer sends to: email-validator's syntax (no
    DNS), an ASCII local part (SES has no SMTPUTF8) and no ``=?`` (RFC 2047 encoded-word syntax, which mail
    software may decode into line breaks)."""
    from email_validator import EmailNotValidError, validate_email  # compiles its grammar: only when used

    if "=?" in raw:
        raise ValueError(f"{raw!r} is not a valid email address: it must not contain '=?' (encoded-word syntax)")
    try:
        return validate_email(raw, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{raw!r} is not a valid email address: {exc}") from None


def normalise_address(raw: str) -> str:
    """One address, checked (:func:`_checked`) and normalised, as it is stored and shown."""
    return str(_checked(raw).normalized)


def mail_address(raw: str) -> str:
    """One address as a mail header and SES take it: checked like every stored one (:func:`_checked`, so an old
    row that holds a bad one is refused here too) and all ASCII (an internationalised domain in IDNA form)."""
    return str(_checked(raw).ascii_email)


def _unique_addresses(values: list[str]) -> list[str]:
    unique: dict[str, str] = {}
    for address in values:
        unique.setdefault(address.casefold(), address)
    if not unique:
        raise ValueError("at least one email address is required")
    if len(unique) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} email addresses are allowed, got {len(unique)}")
    return list(unique.values())


# Addresses the schema promises to accept (the server takes any that _checked does): dot-atoms without "?" (so
# never "=?") at a host of ≤ 3 labels without "--" and a 2–3 letter top-level domain (none is special-use), ≤ 254
# characters.
_ATOM = "[A-Za-z0-9!#$%&'*+/=^_`{|}~-]{1,30}"
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


# The tz database's geographic areas and Etc (fixed offsets). A system's zoneinfo directory also holds files
# that are no zone a tenant lives in: ``localtime`` (the host's own setting), ``Factory`` ("-00"), ``posixrules``,
# ``posix/…`` and ``right/…`` copies, and old aliases (``CET``, ``EST5EDT``, ``US/Eastern``, ``GB``).
ZONE_AREAS = frozenset({"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
                        "Indian", "Pacific", "Etc"})


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(name for name in available_timezones()
                     if name == "UTC" or ("/" in name and name.partition("/")[0] in ZONE_AREAS))


def _check_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"{value!r} is not an IANA time zone of an area (e.g. 'Europe/Berlin', 'UTC')")
    ZoneInfo(value)
    return value


class _ZoneNames:
    """The schema of a time zone: the names this server knows, listed when the schema is built (not at import)."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "enum": sorted(_zones()), "description": "an IANA time zone name"}


TimeZone = Annotated[str, AfterValidator(_check_zone), _ZoneNames()]


def json_integer(value: Any) -> Any:
    """Before a ``Literal`` of numbers, which pydantic matches by equality (``60.0`` and ``true`` would pass):
    only a JSON integer is one. Other numeric input fields are ``StrictInt`` (and flags ``StrictBool``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


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
