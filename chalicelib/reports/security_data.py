"""Security data as reports read it: hourly attack/hit aggregates and vulnerability/incident records.
Plain models and time maths, no AWS: the renderer and the report content import only this."""

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import Field

from chalicelib.models import Model

Risk = Literal["high", "medium", "low"]
RISKS: tuple[Risk, ...] = ("high", "medium", "low")


class Counts(Model):
    attacks: int = 0
    hits: int = 0


class HourlyAggregate(Model):
    """Attacks and hits of one tenant in one UTC hour, in total, by attack type and by host; and, kept to a
    bounded top-N per hour so the cost stays flat with traffic, by source IP, country and endpoint."""

    hour: datetime
    attacks: int = 0
    hits: int = 0
    blocked: int = Field(0, description="attacks the platform blocked; the rest were only monitored")
    types: dict[str, Counts] = Field(default_factory=dict)
    hosts: dict[str, Counts] = Field(default_factory=dict)
    ips: dict[str, Counts] = Field(default_factory=dict)
    countries: dict[str, Counts] = Field(default_factory=dict)
    endpoints: dict[str, Counts] = Field(default_factory=dict, description="keyed by 'host path', e.g. "
                                                                           "'api.acme.io /v2/orders'")
    ip_countries: dict[str, str] = Field(default_factory=dict, description="country (ISO 3166-1 alpha-2) of a "
                                                                           "named IP, when its events gave one")


class Vulnerability(Model):
    id: str
    at: datetime
    risk: Risk
    title: str
    host: str = ""
    path: str = ""
    method: str = ""
    parameter: str = ""
    type: str = ""
    status: str = "open"
    link: str | None = None


class Incident(Model):
    id: str
    at: datetime
    title: str
    host: str = ""
    risk: Risk = "medium"
    attack_type: str = ""
    status: str = "open"


class SecurityData(Model):
    """The raw material of one report period."""

    aggregates: list[HourlyAggregate] = Field(default_factory=list)
    vulnerabilities: list[Vulnerability] = Field(default_factory=list)
    incidents: list[Incident] = Field(default_factory=list)


def utc_hour(at: datetime) -> datetime:
    """The start of the UTC hour containing ``at``."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    floor = utc_hour(moment)
    return floor if floor == moment else floor + timedelta(hours=1)


def hours_between(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """First and last UTC hour bucket of ``[start, end)``: the hours whose midpoint falls inside,
    so zones with half-hour offsets (India, Nepal) count every hour in exactly one period."""
    half, hour = timedelta(minutes=30), timedelta(hours=1)
    first, last = _ceil_hour(start - half), _ceil_hour(end - half) - hour
    return (first, last) if first <= last else None
