"""Made-up security data and reports (local stack seeding, Test integration's sample, the benchmark): plausible
traffic with a daily rhythm and a few busy days, and vulnerabilities and incidents with believable lives."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.models.security import (
    INTERNAL,
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
from chalicelib.reports import trends
from chalicelib.reports.content import ReportData, build_report
from chalicelib.reports.periods import Frequency, Period, period_from_key

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
    ("203.0.113.9", "BR"), ("192.0.2.14", None), ("10.20.0.14", INTERNAL),  # a scanner inside the network
]
# The application behind each host (as the platform names it); the rest are hosts of no application.
_APPLICATIONS = {"api.acme.io": "Public API", "www.acme.io": "Website", "auth.acme.io": "Sign-in",
                 "shop.acme.io": "Shop", "admin.acme.io": "Back office", "graphql.acme.io": "Public API",
                 "billing.acme.io": "Billing"}
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
                     *([("countries", country)] if country else []),
                     *([("applications", _APPLICATIONS[host])] if host in _APPLICATIONS else [])]
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
        host = rng.choice(_HOSTS)
        vulnerability = Vulnerability(
            id=f"demo-v{n}", at=found, risk=risk, title=f"{kind} in {path}", host=host,
            application=_APPLICATIONS.get(host, ""), path=path, method=rng.choice(("GET", "POST", "PUT")),
            parameter=rng.choice(_PARAMS), type=vtype)
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
    """A complete report of made-up data, with a quieter previous period for the change figures and trends
    over the periods before (each made up on its own, with 40 vulnerabilities)."""
    period = period_from_key(frequency, timezone, key)
    current = demo_security_data(period, vulnerabilities, incidents, seed)
    previous = demo_security_data(period.previous(), vulnerabilities * 4 // 5, incidents * 6 // 5, seed + 1)
    report = build_report(tenant_name, period, current, previous, generated_at=period.end)
    sla = SlaDays().model_dump()
    found = {}
    for earlier in trends.window(period):
        data = current if earlier == period else demo_security_data(earlier, 40, 0, seed)
        found[earlier.key] = trends.rollups([earlier], data.aggregates, data.vulnerabilities, sla)[0]
    return report.model_copy(update={"trends": trends.points(trends.window(period), found)})
