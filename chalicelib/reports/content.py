"""What a report says: figures, chart series and tables built from the security data of a period.

Pure: takes what :func:`chalicelib.aws.security_repo.read` returned for the period and the previous
period, returns a :class:`ReportData` that the renderer lays out without further arithmetic. Its summary in
sentences is :mod:`~chalicelib.reports.summary`; made-up data for demos and samples :mod:`~chalicelib.reports.demo`.
"""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import Field

from chalicelib.models.common import Model
from chalicelib.models.events import VulnerabilityStatus
from chalicelib.models.reports import PERIOD_NOUNS, Figure
from chalicelib.models.security import (
    OPEN,
    RISKS,
    HourlyAggregate,
    Incident,
    Risk,
    SecurityData,
    Vulnerability,
    hours_between,
)
from chalicelib.models.tenants import SlaDays
from chalicelib.models.trends import TrendPoint
from chalicelib.reports.assets import AssetRisk, by_asset
from chalicelib.reports.attacks import Ranked, breakdowns, type_name
from chalicelib.reports.periods import Frequency, Period

TOP = 10
# How far back a report looks for incidents still not resolved: they need action whatever day they began, but an
# incident is reported once (no event closes it), so one never marked resolved would otherwise stay forever.
INCIDENT_LOOK_BACK = timedelta(days=30)
_RISK_ORDER = {risk: n for n, risk in enumerate(RISKS)}


class TimeBucket(Model):
    label: str
    start: datetime
    attacks: int = 0
    hits: int = 0


Tone = Literal["neutral", "better", "worse", "alert"]


class Sentence(Model):
    """One sentence of the summary; ``tone`` tells the renderer how to mark it."""

    text: str
    tone: Tone = "neutral"


class Summary(Model):
    """The first page's summary in sentences: what changed, the worst items, what is overdue."""

    changed: list[Sentence]
    worst: list[Sentence]
    overdue: list[Sentence]


class VulnerabilityRow(NamedTuple):
    """A table row; a tuple, since a report can hold tens of thousands (a third of a model's memory)."""

    detected: datetime
    risk: Risk
    title: str
    host: str
    target: str
    status: VulnerabilityStatus  # at the period's end
    days: int | None  # open: days open at the period's end; fixed in the period: days it took
    overdue: bool  # open longer than its risk's SLA at the period's end
    reopened: datetime | None = None  # reopened: when its current open run began (its age counts from there)
    id: str = ""
    fixed: datetime | None = None  # closed at the period's end: when
    due: datetime | None = None  # open at the period's end: when its risk's SLA runs out


class IncidentRow(NamedTuple):
    """A table row, a tuple like :class:`VulnerabilityRow`."""

    time: datetime
    risk: Risk
    title: str
    host: str
    attack_type: str
    status: str
    id: str = ""


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
    partial: bool = Field(False, description="a preview of a period that has not ended: figures up to generated_at")
    sample: bool = Field(False, description="made-up figures (Test integration): every page says SAMPLE")
    blocked: Figure = Field(default_factory=lambda: Figure(value=0, previous=0), description="attacks blocked")
    timeline_unit: Literal["hour", "day"]
    timeline: list[TimeBucket]
    top_attack_types: list[Ranked]  # named in words (vocabulary)
    top_hosts: list[Ranked]
    top_endpoints: list[Ranked] = Field(default_factory=list, description="'host path'")
    top_ips: list[Ranked] = Field(default_factory=list)
    top_countries: list[Ranked] = Field(default_factory=list, description="the top countries, then the rest and "
                                                                          "the attacks without a country: it adds up")
    top_applications: list[Ranked] = Field(default_factory=list, description="by the events' application, then "
                                                                             "the rest: empty when none named one")
    owasp: list[Ranked] = Field(default_factory=list, description="attacks per OWASP Top 10 (2021) category of "
                                                                  "their type in the list's order, Other last")
    owasp_api: list[Ranked] = Field(default_factory=list, description="attacks per OWASP API Top 10 (2023) "
                                                                      "category in the list's order, Other last "
                                                                      "(types no API category fits, e.g. injections)")
    vulnerabilities: list[VulnerabilityRow]
    incident_rows: list[IncidentRow]
    open_before: list[IncidentRow] = Field(default_factory=list, description="incidents that began before the "
                                           f"period (up to {INCIDENT_LOOK_BACK.days} days) and are not resolved")
    vulnerable_hosts: list[AssetRisk] = Field(default_factory=list, description="risk by host at the period's end")
    vulnerable_applications: list[AssetRisk] = Field(default_factory=list, description="risk by application, when "
                                                                                      "vulnerability events name one")
    trends: list[TrendPoint] = Field(default_factory=list, description="the same figures over the last 12 months, "
                                                                       "12 weeks or 30 days (reports.trends)")

    @property
    def period_noun(self) -> str:
        return PERIOD_NOUNS[self.frequency]

    @property
    def is_empty(self) -> bool:
        return self.attacks.value == 0 and not self.vulnerabilities and not self.incident_rows and not self.open_before

    @property
    def has_previous(self) -> bool:
        """Whether the previous period has any data to compare with."""
        return any((self.attacks.previous, self.hits.previous, self.incidents.previous,
                    *(figure.previous for figure in self.open_vulnerabilities.values())))


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


def _moved_to(vulnerability: Vulnerability, status: str, start: datetime, end: datetime) -> bool:
    return any(change.status == status and start <= change.at < end for change in vulnerability.history)


def _age(vulnerability: Vulnerability, moment: datetime) -> timedelta | None:
    """How long it has been open at ``moment`` (since detection or its last reopening); ``None`` if not open."""
    since = vulnerability.open_since(moment)
    return None if since is None else moment - since


class Moves(NamedTuple):
    """How one vulnerability moved in a period, by the one rule every figure, row and sentence uses:

    - *new*: first reported, as open, in the period; one first reported already closed is neither new nor fixed
      (nobody saw it open, so nothing was fixed on the report's watch);
    - *fixed*: closed after being open, at most once per vulnerability; a fix undone by a reopening in the same
      period counts as neither a fix nor a reopening; ``fix`` is how long the counted fix took (from detection
      or the reopening it closed), so the mean time to fix covers exactly the fixes counted;
    - *reopened*: reopened in the period, unless it undid a fix of the same period."""

    new: bool
    fix: timedelta | None
    reopened: bool


def moves(vulnerability: Vulnerability, start: datetime, end: datetime) -> Moves:
    """See :class:`Moves`."""
    history = vulnerability.history
    fix: timedelta | None = None
    reopened = False
    for n, change in enumerate(history):
        if not start <= change.at < end:
            continue
        if change.status == "closed" and n and history[n - 1].status in OPEN:
            fix = change.at - history[n - 1].at
        elif change.status == "reopened":
            if fix is None:
                reopened = True
            fix = None  # a fix of this period undone: neither counts
    first = history[0]
    return Moves(first.status == "open" and start <= first.at < end, fix, reopened)


def _vulnerability_figures(vulnerabilities: list[Vulnerability], start: datetime, end: datetime,
                           sla_days: dict[Risk, int]) -> VulnerabilityFigures:
    counts: dict[str, Counter[Risk]] = {name: Counter() for name in ("new", "fixed", "reopened", "overdue")}
    oldest: Counter[Risk] = Counter()
    fix_times: list[timedelta] = []
    false_positives = 0
    for v in vulnerabilities:
        moved = moves(v, start, end)
        counts["new"][v.risk] += moved.new
        counts["fixed"][v.risk] += moved.fix is not None
        fix_times += [moved.fix] if moved.fix is not None else []
        counts["reopened"][v.risk] += moved.reopened
        false_positives += _moved_to(v, "false_positive", start, end)
        if (age := _age(v, end)) is not None:
            oldest[v.risk] = max(oldest[v.risk], age.days)
            counts["overdue"][v.risk] += age > timedelta(days=sla_days[v.risk])
    mean = sum(fix.total_seconds() for fix in fix_times) / len(fix_times) / 86400 if fix_times else None
    return VulnerabilityFigures(
        **{name: {risk: counter[risk] for risk in RISKS} for name, counter in counts.items()},
        false_positives=false_positives, oldest_open_days={risk: oldest[risk] for risk in RISKS if risk in oldest},
        sla_days=sla_days, mean_days_to_fix=mean)


def _row(v: Vulnerability, start: datetime, end: datetime, sla_days: dict[Risk, int],
         zone: ZoneInfo) -> VulnerabilityRow:
    status = v.status_at(end) or v.status
    since, fix = v.open_since(end), moves(v, start, end).fix
    age = None if since is None else end - since
    days = age if age is not None else fix if status == "closed" else None
    fixed = max((change.at for change in v.history if change.status == "closed" and change.at < end), default=None) \
        if status == "closed" else None
    return VulnerabilityRow(detected=v.at.astimezone(zone), risk=v.risk, title=v.title, host=v.host,
                            target=_target(v), status=status, days=None if days is None else days.days,
                            overdue=age is not None and age > timedelta(days=sla_days[v.risk]),
                            reopened=since.astimezone(zone) if since and status == "reopened" else None, id=v.id,
                            fixed=fixed.astimezone(zone) if fixed else None,
                            due=(since + timedelta(days=sla_days[v.risk])).astimezone(zone) if since else None)


def overdue_rows(vulnerabilities: list[Vulnerability], moment: datetime, sla_days: dict[Risk, int],
                 timezone: str) -> list[VulnerabilityRow]:
    """The rows of the vulnerabilities overdue at ``moment`` by the reports' own rule (:func:`_row`), most overdue
    first (the earliest due date), times in ``timezone``: what an SLA reminder lists."""
    sla, zone = {**SlaDays().model_dump(), **sla_days}, ZoneInfo(timezone)
    rows = [row for row in (_row(v, moment, moment, sla, zone) for v in vulnerabilities) if row.overdue]
    return sorted(rows, key=lambda row: (row.due, _RISK_ORDER[row.risk], row.title, row.id))


def _target(vulnerability: Vulnerability) -> str:
    parts = [vulnerability.method.upper(), vulnerability.path]
    target = " ".join(part for part in parts if part)
    return f"{target} ({vulnerability.parameter})" if vulnerability.parameter else target


def build_report(tenant_name: str, period: Period, current: SecurityData, previous: SecurityData,
                 generated_at: datetime, top: int = TOP, partial: bool = False,
                 sla_days: dict[Risk, int] | None = None) -> ReportData:
    """The report of ``period`` from its data and the previous period's (for the change figures); ``partial``
    when the period has not ended yet (a preview). The vulnerability figures come from ``current`` alone: its
    records carry their history, so the backlog at the previous period's end is the backlog at this one's start.
    Ages are measured at the period's end, or now for a period not over yet."""
    zone = ZoneInfo(period.timezone)
    unit, timeline = _timeline(period, current.aggregates)
    sla = {**SlaDays().model_dump(), **(sla_days or {})}
    start, end = period.start.astimezone(UTC), min(period.end, generated_at).astimezone(UTC)  # fast comparisons
    backlog = {moment: Counter(v.risk for v in current.vulnerabilities if v.status_at(moment) in OPEN)
               for moment in (start, end)}
    rows = [_row(v, start, end, sla, zone) for v in current.vulnerabilities]
    rows.sort(key=lambda row: (_RISK_ORDER[row.risk], row.status not in OPEN, row.detected, row.title))
    incidents = sorted(current.incidents, key=lambda i: (i.at, i.id))
    return ReportData(
        tenant_name=tenant_name,
        timezone=period.timezone,
        frequency=period.frequency,
        period_key=period.key,
        first_day=period.first_day,
        last_day=period.last_day,
        generated_at=generated_at.astimezone(zone),
        partial=partial,
        attacks=Figure(value=sum(a.attacks for a in current.aggregates),
                       previous=sum(a.attacks for a in previous.aggregates)),
        hits=Figure(value=sum(a.hits for a in current.aggregates), previous=sum(a.hits for a in previous.aggregates)),
        incidents=Figure(value=len(current.incidents), previous=len(previous.incidents)),
        blocked=Figure(value=sum(a.blocked for a in current.aggregates),
                       previous=sum(a.blocked for a in previous.aggregates)),
        open_vulnerabilities={risk: Figure(value=backlog[end][risk], previous=backlog[start][risk]) for risk in RISKS},
        vulnerability_figures=_vulnerability_figures(current.vulnerabilities, start, end, sla),
        timeline_unit=unit,
        timeline=timeline,
        **breakdowns(current.aggregates, top),
        vulnerabilities=rows,
        vulnerable_hosts=by_asset(current.vulnerabilities, end, sla, lambda v: v.host, top),
        vulnerable_applications=by_asset(current.vulnerabilities, end, sla, lambda v: v.application, top),
        incident_rows=[_incident_row(i, zone) for i in incidents],
        open_before=[_incident_row(i, zone) for i in sorted(current.open_before, key=lambda i: (i.at, i.id))],
    )


def _incident_row(incident: Incident, zone: ZoneInfo) -> IncidentRow:
    return IncidentRow(time=incident.at.astimezone(zone), risk=incident.risk, title=incident.title,
                       host=incident.host, status=incident.status, id=incident.id,
                       attack_type=type_name(incident.attack_type) if incident.attack_type else "")
