"""Security data as reports read it: hourly attack/hit aggregates and vulnerability/incident records.
Plain models and time maths, no AWS: the renderer and the report content import only this."""

import ipaddress
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import Field, computed_field, model_validator

from chalicelib.models.common import Model
from chalicelib.models.events import VulnerabilityStatus

Risk = Literal["high", "medium", "low"]
RISKS: tuple[Risk, ...] = ("high", "medium", "low")

# An hour item's bucket for the names beyond its bounded top (aws/security_attacks.py): counted without their name.
OTHER = {"types": "(other types)", "hosts": "(other hosts)", "ips": "(other IPs)", "countries": "(other countries)",
         "endpoints": "(other endpoints)", "applications": "(other applications)"}
OTHER_NAMES = frozenset(OTHER.values())


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
    applications: dict[str, Counts] = Field(default_factory=dict, description="by the events' application")
    ip_countries: dict[str, str] = Field(default_factory=dict, description="country (ISO 3166-1 alpha-2) of a "
                                                                           "named IP, when its events gave one")


INTERNAL = "internal"  # the country of an attack from a private or loopback address that named none


# RFC 1918, RFC 4193 and loopback. Not ``ipaddress``'s ``is_private``: that also holds for the documentation and
# benchmarking ranges (192.0.2.0/24, 198.18.0.0/15, 2001:db8::/32 …), which are no company's own network.
_INTERNAL = tuple(ipaddress.ip_network(network) for network in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "fc00::/7", "::1/128"))


def is_internal(ip: str) -> bool:
    """A private (RFC 1918, RFC 4193) or loopback source address: one of the company's own networks."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in _INTERNAL)


Observed = Literal["open", "closed", "false_positive"]
OPEN: frozenset[VulnerabilityStatus] = frozenset({"open", "reopened"})
STATUS_WORDS: dict[VulnerabilityStatus, str] = {"open": "Open", "closed": "Fixed", "false_positive": "False positive",
                                                "reopened": "Reopened"}
DESCRIPTION = ("risk", "title", "host", "domain", "path", "method", "parameter", "type", "link")


class Observation(Model):
    """A status the platform reported at a time (``reopened`` is reported as ``open``)."""

    at: datetime
    status: Observed


class StatusChange(Model):
    at: datetime
    status: VulnerabilityStatus


def _history(observed: list[Observation]) -> list[StatusChange]:
    """Each change of status, oldest first; a repeated report of the current status is no change."""
    changes: list[StatusChange] = []
    for seen in observed:
        before = changes[-1].status if changes else None
        status: VulnerabilityStatus = seen.status
        if seen.status == "open" and before in ("closed", "false_positive"):
            status = "reopened"
        if before == status or (before in OPEN and status in OPEN):
            continue
        changes.append(StatusChange(at=seen.at, status=status))
    return changes


class Vulnerability(Model):
    """One vulnerability (one platform id) and its life. ``observed`` holds the reported statuses in time order,
    each run of one status kept as its first and latest report: enough to place a late (older) event where it
    belongs, so it never overrides a newer status. ``history`` and ``status`` are derived from it (and stored
    with it, for whoever reads the table)."""

    id: str
    at: datetime = Field(description="first detected (the earliest report)")
    risk: Risk
    title: str
    host: str = ""
    domain: str = ""
    path: str = ""
    method: str = ""
    parameter: str = ""
    type: str = ""
    link: str | None = None
    described_at: datetime | None = Field(None, description="time of the event the description comes from")
    observed: list[Observation] = Field(default_factory=list)
    history: list[StatusChange] = Field(default_factory=list, description="each change of status, oldest first: "
                                                                          "derived from ``observed``")

    @model_validator(mode="before")
    @classmethod
    def _from_status(cls, data: Any) -> Any:
        """``Vulnerability(at=..., status="closed")``: one report of that status at ``at``."""
        if isinstance(data, dict) and not data.get("observed"):
            status = data.get("status") or "open"
            data = {**data, "observed": [{"at": data.get("at"), "status": "open" if status == "reopened" else status}]}
        return data

    @model_validator(mode="after")
    def _derive(self) -> "Vulnerability":
        self.history = _history(self.observed)
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> VulnerabilityStatus:
        return self.history[-1].status

    def status_at(self, moment: datetime) -> VulnerabilityStatus | None:
        """The status after every change before ``moment``; ``None`` if it was not known yet."""
        status = None
        for change in self.history:
            if change.at >= moment:
                break
            status = change.status
        return status

    def open_since(self, moment: datetime) -> datetime | None:
        """When the open run it is in at ``moment`` started (detection or the last reopening)."""
        since = None
        for change in self.history:
            if change.at >= moment:
                break
            since = change.at if change.status in OPEN else None
        return since

    def relevant(self, start: datetime, end: datetime) -> bool:
        """Open at the start or the end of ``[start, end)``, or changed within it: what a report shows."""
        return (self.status_at(start) in OPEN or self.status_at(end) in OPEN
                or any(start <= change.at < end for change in self.history))

    def observe(self, at: datetime, status: Observed) -> "Vulnerability":
        """With the report of ``status`` at ``at`` put in its place in time (after reports of the same time)."""
        observed = sorted([*self.observed, Observation(at=at, status=status)], key=lambda seen: seen.at)
        runs: list[Observation] = []
        for seen in observed:
            if len(runs) >= 2 and runs[-1].status == runs[-2].status == seen.status:
                runs[-1] = seen  # a run keeps its first and its latest report
            else:
                runs.append(seen)
        return self.model_copy(update={"observed": runs, "at": runs[0].at, "history": _history(runs)})

    def describe(self, at: datetime, description: dict[str, Any]) -> "Vulnerability":
        """With the fields of ``description`` (see :data:`DESCRIPTION`) unless a newer event described it."""
        if self.described_at is not None and at < self.described_at:
            return self
        return self.model_copy(update={**description, "described_at": at})


class VulnerabilityChange(Model):
    """What one event did to a vulnerability: kept with the event's "seen" mark, so an event routed again
    finds the same answer."""

    vulnerability: Vulnerability
    previous_status: VulnerabilityStatus | None = None

    @property
    def notice(self) -> Literal["detected", "fixed", "reopened"] | None:
        """The mail this change calls for: a new finding, a fix of an open one, a reopening; else none."""
        before, now = self.previous_status, self.vulnerability.status
        if before is None and now == "open":
            return "detected"
        if before in OPEN and now == "closed":
            return "fixed"
        if before in ("closed", "false_positive") and now == "reopened":
            return "reopened"
        return None


RESOLVED = frozenset({"resolved", "closed", "fixed", "false_positive", "false positive"})


class Incident(Model):
    id: str
    at: datetime
    title: str
    host: str = ""
    risk: Risk = "medium"
    attack_type: str = ""
    status: str = "open"

    @property
    def resolved(self) -> bool:
        return self.status.strip().lower() in RESOLVED


class SecurityData(Model):
    """The raw material of one report period."""

    aggregates: list[HourlyAggregate] = Field(default_factory=list)
    vulnerabilities: list[Vulnerability] = Field(default_factory=list)
    incidents: list[Incident] = Field(default_factory=list)
    open_before: list[Incident] = Field(default_factory=list, description="incidents that began before the "
                                                                          "period (within a look-back) and are "
                                                                          "still not resolved")


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
