"""What a report says: figures, chart series and tables built from the security data of a period.

Pure: takes what :func:`chalicelib.aws.security_repo.read` returned for the period and the previous
period, returns a :class:`ReportData` that the renderer lays out without further arithmetic.
"""

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import Field

from chalicelib.models.common import Model
from chalicelib.models.events import VulnerabilityStatus
from chalicelib.models.security import (
    OPEN,
    RISKS,
    Counts,
    HourlyAggregate,
    Incident,
    Observed,
    Risk,
    SecurityData,
    Vulnerability,
    hours_between,
)
from chalicelib.models.tenants import SlaDays
from chalicelib.reports.periods import Frequency, Period, period_from_key
from chalicelib.vocabulary import API_TOP_10, country_name, describe

TOP = 10
OTHER = "Other"
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

    @property
    def percent_words(self) -> str:
        """``5%`` or ``<1%`` (a change never reads as ``0%``); empty when there is no percentage."""
        percent = self.percent
        if percent is None:
            return ""
        return "<1%" if abs(percent) < 0.5 else f"{abs(percent):,.0f}%"


class TimeBucket(Model):
    label: str
    start: datetime
    attacks: int = 0
    hits: int = 0


class Ranked(Model):
    name: str
    attacks: int
    hits: int


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
    partial: bool = Field(False, description="a preview of a period that has not ended: figures up to generated_at")
    blocked: Figure = Field(default_factory=lambda: Figure(value=0, previous=0), description="attacks blocked")
    timeline_unit: Literal["hour", "day"]
    timeline: list[TimeBucket]
    top_attack_types: list[Ranked]  # named in words (vocabulary)
    top_hosts: list[Ranked]
    top_endpoints: list[Ranked] = Field(default_factory=list, description="'host path'")
    top_ips: list[Ranked] = Field(default_factory=list)
    top_countries: list[Ranked] = Field(default_factory=list)
    owasp_api: list[Ranked] = Field(default_factory=list, description="attacks per OWASP API Top 10 (2023) "
                                                                      "category in the list's order, Other last")
    vulnerabilities: list[VulnerabilityRow]
    incident_rows: list[IncidentRow]

    @property
    def period_noun(self) -> str:
        return {"daily": "day", "weekly": "week", "monthly": "month"}[self.frequency]

    @property
    def is_empty(self) -> bool:
        return self.attacks.value == 0 and not self.vulnerabilities and not self.incident_rows

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


def _totals(aggregates: list[HourlyAggregate], dimension: str,
            name: Callable[[str], str] = str) -> tuple[Counter[str], Counter[str]]:
    """Attacks and hits per key of ``dimension`` over the hours, keys renamed by ``name`` (and merged)."""
    by_key: dict[str, Counts] = {}
    for aggregate in aggregates:
        counts: dict[str, Counts] = getattr(aggregate, dimension)
        for key, count in counts.items():
            total = by_key.setdefault(key, Counts())
            total.attacks += count.attacks
            total.hits += count.hits
    attacks: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for key, total in by_key.items():
        attacks[name(key)] += total.attacks
        hits[name(key)] += total.hits
    return attacks, hits


def _top(aggregates: list[HourlyAggregate], dimension: str, limit: int,
         name: Callable[[str], str] = str) -> list[Ranked]:
    attacks, hits = _totals(aggregates, dimension, name)
    ranked = sorted(attacks, key=lambda key: (-attacks[key], -hits[key], key))
    return [Ranked(name=key, attacks=attacks[key], hits=hits[key]) for key in ranked[:limit]]


def _type_name(code: str) -> str:
    return describe(code).name


def _ip_label(aggregates: list[HourlyAggregate]) -> Callable[[str], str]:
    """``203.0.113.7 (DE)``: a source IP with its country, when the events said."""
    countries = {ip: country for aggregate in aggregates for ip, country in aggregate.ip_countries.items()}
    return lambda ip: f"{ip} ({countries[ip]})" if ip in countries else ip


def _owasp_api(aggregates: list[HourlyAggregate]) -> list[Ranked]:
    """Attacks per OWASP API Top 10 (2023) category of their type, in the list's order; unknown → Other."""
    attacks, hits = _totals(aggregates, "types", lambda code: describe(code).owasp_api or OTHER)
    order = {category: n for n, category in enumerate((*API_TOP_10, OTHER))}
    return [Ranked(name=category, attacks=attacks[category], hits=hits[category])
            for category in sorted(attacks, key=order.__getitem__) if attacks[category]]


def _moved_to(vulnerability: Vulnerability, status: str, start: datetime, end: datetime) -> bool:
    return any(change.status == status and start <= change.at < end for change in vulnerability.history)


def _age(vulnerability: Vulnerability, moment: datetime) -> timedelta | None:
    """How long it has been open at ``moment`` (since detection or its last reopening); ``None`` if not open."""
    since = vulnerability.open_since(moment)
    return None if since is None else moment - since


def _vulnerability_figures(vulnerabilities: list[Vulnerability], start: datetime, end: datetime,
                           sla_days: dict[Risk, int]) -> VulnerabilityFigures:
    counts: dict[str, Counter[Risk]] = {name: Counter() for name in ("new", "fixed", "reopened", "overdue")}
    oldest: Counter[Risk] = Counter()
    fix_times: list[timedelta] = []
    false_positives = 0
    for v in vulnerabilities:
        first = v.history[0]
        counts["new"][v.risk] += first.status == "open" and start <= first.at < end
        fixes = v.fixes(start, end)
        counts["fixed"][v.risk] += bool(fixes)
        fix_times += [fix for fix in fixes if fix is not None]
        counts["reopened"][v.risk] += _moved_to(v, "reopened", start, end)
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
    age, fixes = _age(v, end), v.fixes(start, end)
    took = fixes[-1] if status == "closed" and fixes else None
    days = age if age is not None else took
    return VulnerabilityRow(detected=v.at.astimezone(zone), risk=v.risk, title=v.title, host=v.host,
                            target=_target(v), status=status, days=None if days is None else days.days,
                            overdue=age is not None and age > timedelta(days=sla_days[v.risk]))


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
        top_attack_types=_top(current.aggregates, "types", top, _type_name),
        top_hosts=_top(current.aggregates, "hosts", top),
        top_endpoints=_top(current.aggregates, "endpoints", top),
        top_ips=_top(current.aggregates, "ips", top, _ip_label(current.aggregates)),
        top_countries=_top(current.aggregates, "countries", top, country_name),
        owasp_api=_owasp_api(current.aggregates),
        vulnerabilities=rows,
        incident_rows=[
            IncidentRow(time=i.at.astimezone(zone), risk=i.risk, title=i.title, host=i.host,
                        attack_type=_type_name(i.attack_type) if i.attack_type else "", status=i.status)
            for i in incidents
        ],
    )


# --- the summary in sentences ---------------------------------------------------------------------

_DONE = {"resolved", "closed", "fixed", "false_positive", "false positive"}
_PLURALS = {"attack": "attacks", "hit": "hits", "incident": "incidents", "vulnerability": "vulnerabilities",
            "day": "days"}


def _count(number: int, noun: str) -> str:
    """``1 attack``, ``1,204 attacks``."""
    return f"{number:,} {noun if number == 1 else _PLURALS[noun]}"


def _share(part: int, whole: int) -> str:
    """``62%``, never ``0%`` or ``100%`` for a part that is neither none nor all (nor above 100%)."""
    percent = 100 * part / max(whole, part, 1)
    if 0 < percent < 1:
        return "<1%"
    return ">99%" if 99 < percent < 100 else f"{percent:.0f}%"


def _by_risk(counts: dict[Risk, int]) -> str:
    """``2 high-risk, 3 medium-risk`` (risks with none left out)."""
    return ", ".join(f"{counts[risk]:,} {risk}-risk" for risk in RISKS if counts.get(risk))


def _compared(report: ReportData, figure: Figure, what: str) -> Sentence:
    """``what`` (e.g. "15,580 attacks this month") set against the previous period, in neutral words when
    that period has no data or this one has not ended."""
    noun = report.period_noun
    if not report.has_previous:
        return Sentence(text=f"{what}; the previous {noun} has no data to compare with.")
    if report.partial:
        return Sentence(text=f"{what} (the whole previous {noun}: {figure.previous:,}).")
    if figure.previous == 0:
        return Sentence(text=f"{what}, none in the previous {noun}.", tone="worse" if figure.value else "neutral")
    if figure.change == 0:
        return Sentence(text=f"{what}, as many as in the previous {noun}.")
    more = figure.change > 0
    return Sentence(text=f"{what}, {figure.percent_words} {'more' if more else 'fewer'} than the previous {noun} "
                         f"({figure.previous:,}).", tone="worse" if more else "better")


def _changed(report: ReportData) -> list[Sentence]:
    this = f"this {report.period_noun}" + (" so far" if report.partial else "")
    attacks, blocked = report.attacks.value, report.blocked.value
    sentences = [_compared(report, report.attacks,
                           f"{_count(attacks, 'attack')} ({_count(report.hits.value, 'hit')}) {this}")]
    if attacks and blocked == 0:
        sentences.append(Sentence(text=f"None was blocked: all {attacks:,} were only monitored.", tone="worse"))
    elif attacks:
        monitored = attacks - blocked
        rest = f"; {monitored:,} ({_share(monitored, attacks)}) were only monitored" if monitored else ", all of them"
        sentences.append(Sentence(text=f"The platform blocked {blocked:,} ({_share(blocked, attacks)}){rest}."))
    sentences.append(_compared(report, report.incidents, f"{_count(report.incidents.value, 'incident')} {this}"))
    return [*sentences, _backlog(report), *_movement(report, this)]


def _backlog(report: ReportData) -> Sentence:
    """The vulnerabilities open at the period's end by risk, against the previous period's end."""
    backlog = {risk: figure.value for risk, figure in report.open_vulnerabilities.items()}
    total, before = sum(backlog.values()), sum(f.previous for f in report.open_vulnerabilities.values())
    end = "now" if report.partial else f"at the {report.period_noun}'s end"
    if total == 0:
        return Sentence(text=f"No vulnerability is open {end}.", tone="better" if before else "neutral")
    what = f"{_count(total, 'vulnerability')} open {end} ({_by_risk(backlog)})"
    if report.partial or not report.has_previous or total == before:
        return Sentence(text=f"{what}.")
    if total > before:
        return Sentence(text=f"{what}, up from {before:,}.", tone="worse")
    return Sentence(text=f"{what}, down from {before:,}.", tone="better")


def _movement(report: ReportData, this: str) -> list[Sentence]:
    """Found, fixed, reopened and false positives in the period, and the mean time to fix."""
    figures = report.vulnerability_figures
    found, fixed, reopened = (sum(counts.values()) for counts in (figures.new, figures.fixed, figures.reopened))
    if not (found or fixed or reopened or figures.false_positives):
        return []  # nothing moved: the backlog sentence says what is open
    parts = [f"{_count(found, 'vulnerability')} found" + (f" ({_by_risk(figures.new)})" if found else ""),
             f"{fixed:,} fixed"]
    parts += [f"{reopened:,} reopened"] if reopened else []
    parts += [f"{figures.false_positives:,} marked false positive"] if figures.false_positives else []
    mean = figures.mean_days_to_fix
    fix = f" Mean time to fix: {mean:,.1f} days." if mean is not None else ""
    return [Sentence(text=f"{this[0].upper()}{this[1:]}: {', '.join(parts)}.{fix}")]


def _worst(report: ReportData) -> list[Sentence]:
    sentences = []
    attacks = report.attacks.value
    if report.top_attack_types:
        top = report.top_attack_types[0]
        sentences.append(Sentence(text=f"Most frequent attack type: {top.name}, {_count(top.attacks, 'attack')} "
                                       f"({_share(top.attacks, attacks)} of all)."))
    categories = [ranked for ranked in report.owasp_api if ranked.name != OTHER]
    if categories:
        worst = max(categories, key=lambda ranked: ranked.attacks)
        sentences.append(Sentence(text=f"Most attacks fall under OWASP {worst.name} "
                                       f"({_share(worst.attacks, attacks)})."))
    if top_place := (report.top_endpoints or report.top_hosts):
        where = "endpoint" if report.top_endpoints else "host"
        sentences.append(Sentence(text=f"Most attacked {where}: {top_place[0].name} "
                                       f"({_count(top_place[0].attacks, 'attack')})."))
    if report.top_ips:
        ip = report.top_ips[0]
        country = report.top_countries[0] if report.top_countries else None
        also = f"; top country: {country.name} ({_count(country.attacks, 'attack')})" if country else ""
        sentences.append(Sentence(text=f"Top source IP: {ip.name} ({_count(ip.attacks, 'attack')}){also}."))
    oldest = report.vulnerability_figures.oldest_open_days
    if risk := next((r for r in RISKS if r in oldest), None):
        sentences.append(Sentence(text=f"The oldest open {risk}-risk vulnerability is {_count(oldest[risk], 'day')} "
                                       "old.", tone="worse" if risk == "high" else "neutral"))
    return sentences


def _overdue(report: ReportData) -> list[Sentence]:
    sentences = []
    figures = report.vulnerability_figures
    overdue = sum(figures.overdue.values())
    if overdue:
        parts = ", ".join(f"{figures.overdue[risk]:,} {risk}-risk (fix within {figures.sla_days[risk]:,} days)"
                          if risk in figures.sla_days else f"{figures.overdue[risk]:,} {risk}-risk"
                          for risk in RISKS if figures.overdue.get(risk))
        verb = "is" if overdue == 1 else "are"
        sentences.append(Sentence(text=f"{_count(overdue, 'vulnerability')} {verb} open past the fix deadline: "
                                       f"{parts}.", tone="alert"))
    elif figures.sla_days and any(figure.value for figure in report.open_vulnerabilities.values()):
        deadlines = ", ".join(f"{risk} {figures.sla_days[risk]:,}" for risk in RISKS if risk in figures.sla_days)
        sentences.append(Sentence(text=f"No open vulnerability is past its fix deadline ({deadlines} days).",
                                  tone="better"))
    unresolved = [row for row in report.incident_rows if row.status not in _DONE]
    if unresolved:
        high = sum(row.risk == "high" for row in unresolved)
        verb = "is" if len(unresolved) == 1 else "are"
        sentences.append(Sentence(text=f"{_count(len(unresolved), 'incident')} of this {report.period_noun} {verb} "
                                       "not resolved yet" + (f" ({high:,} of high risk)." if high else "."),
                                  tone="alert" if high else "worse"))
    elif report.incident_rows:
        sentences.append(Sentence(text=f"Every incident of this {report.period_noun} is resolved.", tone="better"))
    return sentences


def summarise(report: ReportData) -> Summary:
    """The report's first-page summary in sentences, from its figures alone."""
    return Summary(changed=_changed(report), worst=_worst(report), overdue=_overdue(report))


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


def _demo_life(period: Period, risk: Risk, rng: random.Random) -> list[tuple[datetime, Observed]]:
    """A plausible life that a report of ``period`` shows: found in the period (some fixed or dismissed within
    it), or open since an earlier one (some fixed now, some overdue), or fixed before and reopened now."""
    start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    span = end - start
    story = rng.choices(("new", "backlog", "reopened"), (9, 8, 2))[0]
    found = start + span * rng.random() if story == "new" else start - timedelta(
        days=rng.uniform(1, {"high": 20, "medium": 60, "low": 150}[risk]))
    life: list[tuple[datetime, Observed]] = [(found, "open")]
    if story == "reopened":
        life += [(found + (start - found) * 0.4, "closed"), (start + span * rng.random(), "open")]
    outcome = rng.choices(("open", "closed", "false_positive"), (5, 4, 1) if story == "new" else (6, 4, 0))[0]
    if outcome != "open":  # within the period, a few days after it was (re)opened when it can be
        since = max(life[-1][0], start)
        fix = life[-1][0] + timedelta(days=rng.uniform(0.3, 9))
        life.append((fix if since < fix < end else since + (end - since) * rng.uniform(0.05, 0.95),
                     outcome))  # type: ignore[arg-type]
    return life


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
        (found, _), *later = _demo_life(period, risk, rng)
        vulnerability = Vulnerability(
            id=f"demo-v{n}", at=found, risk=risk, title=f"{kind} in {path}", host=rng.choice(_HOSTS),
            path=path, method=rng.choice(("GET", "POST", "PUT")), parameter=rng.choice(_PARAMS), type=vtype)
        for at, status in later:
            vulnerability = vulnerability.observe(at, status)
        data.vulnerabilities.append(vulnerability)
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
