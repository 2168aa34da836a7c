"""What a report says: figures, chart series and tables built from the security data of a period.

Pure: takes what :func:`chalicelib.aws.security_repo.read` returned for the period and the previous
period, returns a :class:`ReportData` that the renderer lays out without further arithmetic.
"""

import random
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import Field

from chalicelib.models import Model
from chalicelib.reports.periods import Frequency, Period, period_from_key
from chalicelib.reports.security_data import (
    RISKS,
    Counts,
    HourlyAggregate,
    Incident,
    Risk,
    SecurityData,
    Vulnerability,
    hours_between,
)

TOP = 10
_RISK_ORDER = {risk: n for n, risk in enumerate(RISKS)}


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


class TimeBucket(Model):
    label: str
    start: datetime
    attacks: int = 0
    hits: int = 0


class Ranked(Model):
    name: str
    attacks: int
    hits: int


class VulnerabilityRow(NamedTuple):
    """A table row; a tuple, since a report can hold tens of thousands (a third of a model's memory)."""

    detected: datetime
    risk: Risk
    title: str
    host: str
    target: str
    status: str


class IncidentRow(NamedTuple):
    """A table row, a tuple like :class:`VulnerabilityRow`."""

    time: datetime
    risk: Risk
    title: str
    host: str
    attack_type: str
    status: str


class VulnerabilityFigures(Model):
    """The vulnerability backlog of a report: what is open at the period's end and how it moved in the period."""

    new: dict[Risk, int] = Field(default_factory=dict, description="detected in the period")
    fixed: dict[Risk, int] = Field(default_factory=dict, description="closed (fixed) in the period")
    reopened: dict[Risk, int] = Field(default_factory=dict, description="reopened in the period")
    false_positives: int = Field(0, description="marked false positive in the period")
    oldest_open_days: dict[Risk, int] = Field(default_factory=dict, description="age of the oldest open one")
    overdue: dict[Risk, int] = Field(default_factory=dict, description="open longer than the SLA at period end")
    sla_days: dict[Risk, int] = Field(default_factory=dict)
    mean_days_to_fix: float | None = Field(None, description="of those fixed in the period")


class ReportData(Model):
    """Everything one report shows; times are in the tenant's time zone."""

    tenant_name: str
    timezone: str
    frequency: Frequency
    period_key: str
    first_day: date
    last_day: date
    generated_at: datetime
    attacks: Figure
    hits: Figure
    incidents: Figure
    open_vulnerabilities: dict[Risk, Figure]  # the backlog open at the period's end (and at the previous one's)
    vulnerability_figures: VulnerabilityFigures = Field(default_factory=VulnerabilityFigures)
    timeline_unit: Literal["hour", "day"]
    timeline: list[TimeBucket]
    top_attack_types: list[Ranked]
    top_hosts: list[Ranked]
    vulnerabilities: list[VulnerabilityRow]
    incident_rows: list[IncidentRow]

    @property
    def period_noun(self) -> str:
        return {"daily": "day", "weekly": "week", "monthly": "month"}[self.frequency]

    @property
    def is_empty(self) -> bool:
        return self.attacks.value == 0 and not self.vulnerabilities and not self.incident_rows


def _local_start(hour: datetime, zone: ZoneInfo) -> datetime:
    """Local start of an hour bucket, placed by its midpoint as in ``hours_between`` (half-hour zones)."""
    return (hour + timedelta(minutes=30)).astimezone(zone).replace(minute=0, second=0, microsecond=0)


def _timeline(period: Period, aggregates: list[HourlyAggregate]) -> tuple[Literal["hour", "day"], list[TimeBucket]]:
    """Attacks per local hour for a daily report (23–25 bars), per local day otherwise."""
    zone = ZoneInfo(period.timezone)
    if period.frequency == "daily":
        hour, last = hours_between(period.start, period.end) or (period.end, period.start)
        by_hour: dict[datetime, TimeBucket] = {}
        while hour <= last:
            local = _local_start(hour, zone)
            by_hour[hour] = TimeBucket(label=f"{local:%H}", start=local)
            hour += timedelta(hours=1)
        for aggregate in aggregates:
            if bucket := by_hour.get(aggregate.hour):
                bucket.attacks += aggregate.attacks
                bucket.hits += aggregate.hits
        return "hour", list(by_hour.values())
    by_day = {day: TimeBucket(label=str(day.day), start=datetime.combine(day, datetime.min.time(), tzinfo=zone))
              for day in period.days()}
    for aggregate in aggregates:
        if bucket := by_day.get(_local_start(aggregate.hour, zone).date()):
            bucket.attacks += aggregate.attacks
            bucket.hits += aggregate.hits
    return "day", list(by_day.values())


def _top(aggregates: list[HourlyAggregate], dimension: str, limit: int) -> list[Ranked]:
    attacks: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for aggregate in aggregates:
        counts: dict[str, Counts] = getattr(aggregate, dimension)
        for name, count in counts.items():
            attacks[name] += count.attacks
            hits[name] += count.hits
    ranked = sorted(attacks, key=lambda name: (-attacks[name], -hits[name], name))
    return [Ranked(name=name, attacks=attacks[name], hits=hits[name]) for name in ranked[:limit]]


def _open_by_risk(vulnerabilities: list[Vulnerability]) -> Counter[str]:
    return Counter(v.risk for v in vulnerabilities if v.status == "open")


def _target(vulnerability: Vulnerability) -> str:
    parts = [vulnerability.method.upper(), vulnerability.path]
    target = " ".join(part for part in parts if part)
    return f"{target} ({vulnerability.parameter})" if vulnerability.parameter else target


def build_report(tenant_name: str, period: Period, current: SecurityData, previous: SecurityData,
                 generated_at: datetime, top: int = TOP) -> ReportData:
    """The report of ``period`` from its data and the previous period's (for the change figures)."""
    zone = ZoneInfo(period.timezone)
    unit, timeline = _timeline(period, current.aggregates)
    open_now, open_before = _open_by_risk(current.vulnerabilities), _open_by_risk(previous.vulnerabilities)
    vulnerabilities = sorted(current.vulnerabilities, key=lambda v: (_RISK_ORDER[v.risk], v.at, v.id))
    incidents = sorted(current.incidents, key=lambda i: (i.at, i.id))
    return ReportData(
        tenant_name=tenant_name,
        timezone=period.timezone,
        frequency=period.frequency,
        period_key=period.key,
        first_day=period.first_day,
        last_day=period.last_day,
        generated_at=generated_at.astimezone(zone),
        attacks=Figure(value=sum(a.attacks for a in current.aggregates),
                       previous=sum(a.attacks for a in previous.aggregates)),
        hits=Figure(value=sum(a.hits for a in current.aggregates), previous=sum(a.hits for a in previous.aggregates)),
        incidents=Figure(value=len(current.incidents), previous=len(previous.incidents)),
        open_vulnerabilities={risk: Figure(value=open_now[risk], previous=open_before[risk]) for risk in RISKS},
        timeline_unit=unit,
        timeline=timeline,
        top_attack_types=_top(current.aggregates, "types", top),
        top_hosts=_top(current.aggregates, "hosts", top),
        vulnerabilities=[
            VulnerabilityRow(detected=v.at.astimezone(zone), risk=v.risk, title=v.title, host=v.host,
                             target=_target(v), status=v.status)
            for v in vulnerabilities
        ],
        incident_rows=[
            IncidentRow(time=i.at.astimezone(zone), risk=i.risk, title=i.title, host=i.host,
                        attack_type=i.attack_type, status=i.status)
            for i in incidents
        ],
    )


# --- demo data (local stack seeding, previews, the benchmark) ------------------------------------

_ATTACK_TYPES = {"sqli": 30, "xss": 24, "ptrav": 12, "rce": 8, "scanner": 40, "brute": 15, "nosqli": 4,
                 "ssrf": 3, "xxe": 2, "crlf": 3, "ldapi": 1, "redir": 5}
_HOSTS = ["api.acme.io", "www.acme.io", "auth.acme.io", "shop.acme.io", "cdn.acme.io", "admin.acme.io",
          "graphql.acme.io", "m.acme.io", "partners.acme.io", "status.acme.io", "legacy.acme.io",
          "billing.acme.io"]
_VULN_KINDS: list[tuple[Risk, str, str]] = [
    ("high", "SQL injection", "sqli"), ("high", "Remote code execution", "rce"),
    ("high", "Server-side request forgery", "ssrf"), ("medium", "Cross-site scripting", "xss"),
    ("medium", "Path traversal", "ptrav"), ("medium", "Open redirect", "redir"),
    ("low", "Information exposure", "info_leak"), ("low", "Missing security header", "header"),
    ("low", "Weak TLS configuration", "tls"),
]
_PATHS = ["/api/v1/login", "/api/v1/users/{id}", "/search", "/checkout/confirm", "/admin/export",
          "/graphql", "/files/download", "/api/v2/orders", "/oauth/callback", "/profile/avatar"]
_PARAMS = ["id", "q", "redirect_uri", "file", "sort", "email", "token", ""]
# Made-up attack sources in the documentation address ranges, a few busy ones and a tail; None: no country.
_SOURCES: list[tuple[str, str | None]] = [
    ("203.0.113.45", "CN"), ("198.51.100.7", "RU"), ("2001:db8::bad:1", "DE"), ("192.0.2.88", "US"),
    ("203.0.113.9", "BR"), ("192.0.2.14", None),
]
_BLOCKED_SHARE = {"scanner": 0.9, "sqli": 0.8, "rce": 0.85, "xss": 0.7, "brute": 0.5}
# The one path of each host that draws its attacks (few endpoints an hour keep the local stack's seeding quick).
_TARGETS = dict(zip(_HOSTS, ["/api/v2/orders", "/search", "/api/v1/login", "/checkout/confirm", "/files/download",
                             "/admin/export", "/graphql", "/api/v1/users/{id}", "/oauth/callback", "/status",
                             "/legacy/report.php", "/billing/invoices"], strict=True))
_INCIDENTS = ["Credential stuffing against login", "Exploitation of SQL injection", "Data exfiltration attempt",
              "Successful path traversal", "Account takeover attempt", "Scanner found exposed admin panel",
              "Remote code execution attempt on upload"]


def demo_security_data(period: Period, vulnerabilities: int = 40, incidents: int = 12,
                       seed: int = 7) -> SecurityData:
    """Plausible traffic for every hour of ``period`` (a daily rhythm, a few busy days) and records."""
    rng = random.Random(f"{seed}:{period.key}")
    sources = random.Random(f"{seed}:{period.key}:sources")  # its own stream: the rest stays as it was
    zone = ZoneInfo(period.timezone)
    names, weights = list(_ATTACK_TYPES), list(_ATTACK_TYPES.values())
    host_weights = [1 / (n + 1) for n in range(len(_HOSTS))]
    source_weights = [1 / (n + 1) ** 1.3 for n in range(len(_SOURCES))]
    busy_days = set(rng.sample(range(len(period.days())), k=min(3, len(period.days()))))
    span = (period.end - period.start).total_seconds()
    data = SecurityData()
    hour, last = hours_between(period.start, period.end) or (period.end, period.start)
    while hour <= last:
        local = hour.astimezone(zone)
        rhythm = 0.4 + 0.6 * (8 <= local.hour <= 20)
        surge = 4 if (local.date() - period.first_day).days in busy_days else 1
        attacks = int(rng.uniform(5, 40) * rhythm * surge)
        aggregate = HourlyAggregate(hour=hour)
        for _ in range(attacks):
            hits = rng.choice((1, 1, 1, 2, 3, 5, 12, 40))
            kind, host = rng.choices(names, weights)[0], rng.choices(_HOSTS, host_weights)[0]
            ip, country = sources.choices(_SOURCES, source_weights)[0]
            named = [("types", kind), ("hosts", host), ("ips", ip),
                     ("endpoints", f"{host} {_TARGETS[host]}"),
                     *([("countries", country)] if country else [])]
            for dimension, name in named:
                counts = getattr(aggregate, dimension).setdefault(name, Counts())
                counts.attacks += 1
                counts.hits += hits
            if country:
                aggregate.ip_countries[ip] = country
            aggregate.blocked += sources.random() < _BLOCKED_SHARE.get(kind, 0.6)
            aggregate.attacks += 1
            aggregate.hits += hits
        data.aggregates.append(aggregate)
        hour += timedelta(hours=1)
    for n in range(vulnerabilities):
        risk, kind, vtype = rng.choice(_VULN_KINDS)
        path = rng.choice(_PATHS)
        data.vulnerabilities.append(Vulnerability(
            id=f"demo-v{n}", at=period.start + timedelta(seconds=rng.uniform(0, span)), risk=risk,
            title=f"{kind} in {path}", host=rng.choice(_HOSTS), path=path, method=rng.choice(("GET", "POST", "PUT")),
            parameter=rng.choice(_PARAMS), type=vtype, status=rng.choices(("open", "closed", "false"), (6, 3, 1))[0]))
    for n in range(incidents):
        data.incidents.append(Incident(
            id=f"demo-i{n}", at=period.start + timedelta(seconds=rng.uniform(0, span)), title=rng.choice(_INCIDENTS),
            host=rng.choice(_HOSTS), risk=rng.choices(RISKS, (2, 5, 3))[0], attack_type=rng.choices(names, weights)[0],
            status=rng.choices(("open", "investigating", "resolved"), (3, 2, 5))[0]))
    return data


def demo_report(frequency: Frequency = "monthly", timezone: str = "Europe/Berlin", key: str = "2026-10",
                vulnerabilities: int = 40, incidents: int = 12, tenant_name: str = "Acme Corp",
                seed: int = 7) -> ReportData:
    """A complete report of made-up data, with a quieter previous period for the change figures."""
    period = period_from_key(frequency, timezone, key)
    current = demo_security_data(period, vulnerabilities, incidents, seed)
    previous = demo_security_data(period.previous(), vulnerabilities * 4 // 5, incidents * 6 // 5, seed + 1)
    return build_report(tenant_name, period, current, previous, generated_at=period.end)
