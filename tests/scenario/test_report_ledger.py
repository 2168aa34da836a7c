"""A month through the API against a ledger (issue 24, "Done when"): a Tokyo tenant's November — attacks with every
optional field or none, incidents, vulnerabilities with changing statuses, and events just outside the month — is
posted through ``POST /v1/events``; the test recounts the ledger on its own and compares every figure of the
monthly report (the preview's figures and the report's content)."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.aws import tenants_repo
from chalicelib.reports import generation
from chalicelib.reports.periods import period_from_key
from chalicelib.vocabulary import country_name, describe
from tests.support.reports import preview

TOKYO = ZoneInfo("Asia/Tokyo")
MONTH = period_from_key("monthly", "Asia/Tokyo", "2026-11")  # 2026-10-31T15:00Z .. 2026-11-30T15:00Z
TYPES = ["sqli", "xss", "ptrav", "rce", "brute", "scanner", "weird_new_type"]
HOSTS = ["pay.kaitopay.example", "admin.kaitopay.example:8443", "api.kaitopay.example", "ログイン.kaitopay.example"]
SOURCES = [("203.0.113.7", "JP"), ("198.51.100.9", "US"), ("2001:db8::9", "DE"), ("10.0.0.5", None),
           ("192.168.7.7", None), ("203.0.113.99", None), (None, "FR"), (None, None)]
APPS = ["Checkout", "Admin", None]


def at(day: int, hour: int = 12, month: int = 11) -> datetime:
    """A Tokyo wall-clock time of 2026, in UTC."""
    return datetime(2026, month, day, hour, tzinfo=TOKYO).astimezone(UTC)


def attacks(rng: random.Random, count: int, first: datetime, last: datetime, prefix: str) -> list[dict]:
    events = []
    for n in range(count):
        ip, country = rng.choice(SOURCES)
        data = {"type": rng.choice(TYPES), "host": rng.choice(HOSTS), "hits": rng.choice([1, 1, 2, 5, 40]),
                "blocked": rng.random() < 0.7, "path": rng.choice(["/login", "/v2/orders?id=1", "/search", None]),
                "ip": ip, "country": country, "application": rng.choice(APPS)}
        when = first + (last - first) * rng.random()
        events.append({"id": f"{prefix}{n}", "type": "attack.detected", "time": when.isoformat(),
                       "data": {key: value for key, value in data.items() if value is not None}})
    return events


def vulnerability(event_id: str, when: datetime, vid: str, risk: str) -> dict:
    return {"id": event_id, "type": "vulnerability.detected", "time": when.isoformat(),
            "data": {"id": vid, "risk": risk, "title": f"Finding {vid}", "host": "pay.kaitopay.example"}}


def status(event_id: str, when: datetime, vid: str, new: str, risk: str | None = None) -> dict:
    data = {"id": vid, "status": new, **({"risk": risk, "title": f"Finding {vid}"} if risk else {})}
    return {"id": event_id, "type": "vulnerability.status_changed", "time": when.isoformat(), "data": data}


def incident(event_id: str, when: datetime, risk: str, state: str) -> dict:
    return {"id": event_id, "type": "incident.detected", "time": when.isoformat(),
            "data": {"title": f"Incident {event_id}", "risk": risk, "status": state, "host": "pay.kaitopay.example"}}


# The vulnerabilities' lives, and what the month's report must say of each (recounted by hand below).
LIVES = [
    vulnerability("v1", at(3), "V1", "high"), status("v1c", at(8), "V1", "closed"),  # new, fixed in 5 d
    vulnerability("v2", at(10, month=10), "V2", "medium"), status("v2c", at(12), "V2", "closed"),  # fixed in 33 d
    vulnerability("v3", at(5), "V3", "high"), status("v3c", at(7), "V3", "closed"),  # new; fix undone: neither
    status("v3r", at(9), "V3", "open"),  # open at the end since 9 Nov 12:00: 21 d > 7 → overdue
    status("v4", at(15), "V4", "closed", risk="low"),  # first reported closed: neither new nor fixed
    vulnerability("v5", at(1, month=9), "V5", "high"), status("v5c", at(1, month=10), "V5", "closed"),
    status("v5r", at(20), "V5", "open"),  # reopened this month, open 11 d at the end → overdue
    vulnerability("v6", at(25), "V6", "medium"),  # new, open, 6 d: within 30
    vulnerability("v7", at(1, month=10), "V7", "low"), status("v7f", at(2), "V7", "false_positive"),
    vulnerability("v8", at(2, month=10), "V8", "medium"),  # open since 2 October: 59 d > 30 → overdue
]
INCIDENTS = [
    incident("i1", at(4), "high", "open"), incident("i2", at(11), "medium", "resolved"),
    incident("i3", at(29, 23), "low", "investigating"),
    incident("i0", at(20, month=10), "high", "open"),  # October's, still open: "needs action"
    incident("i9", at(1, 1, month=12), "high", "open"),  # December's: not in November's report
]


@pytest.fixture
def month(api, frozen_clock):
    """A Tokyo tenant, the ledger posted through the API, the clock just after the month."""
    frozen_clock.moment = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    tenant = api.tenant("Kaito Pay", "sec@kaitopay.example", timezone="Asia/Tokyo")
    rng = random.Random(24)
    november = attacks(rng, 220, MONTH.start, MONTH.end - timedelta(seconds=1), "a")
    edges = [{**november[0], "id": "edge-before", "time": (MONTH.start - timedelta(minutes=20)).isoformat()},
             {**november[1], "id": "edge-after", "time": MONTH.end.isoformat()}]
    october = attacks(rng, 80, MONTH.previous().start, MONTH.start - timedelta(hours=1), "o")
    ledger = [*november, *edges, *october, *LIVES, *INCIDENTS]
    for first in range(0, len(ledger), 100):
        status_code, body = tenant.call("POST", "/v1/events", {"events": ledger[first:first + 100]})
        assert status_code == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body
    return tenant, november, edges, october


def ranked(events: list[dict], key, limit: int = 10) -> list[tuple[str, int, int]]:
    """Attacks and hits per ``key`` of each event (``None``: not counted), ordered as a report ranks."""
    attack_counts, hit_counts = Counter(), Counter()
    for event in events:
        name = key(event["data"])
        if name is not None:
            attack_counts[name] += 1
            hit_counts[name] += event["data"]["hits"]
    order = sorted(attack_counts, key=lambda name: (-attack_counts[name], -hit_counts[name], name))
    return [(name, attack_counts[name], hit_counts[name]) for name in order[:limit]]


def rows(items) -> list[tuple[str, int, int]]:
    return [(row.name, row.attacks, row.hits) for row in items]


def test_every_figure_of_the_monthly_report_matches_the_ledger(month):
    tenant, november, edges, october = month
    internal = {"10.0.0.5", "192.168.7.7"}

    body, _ = preview(tenant, "monthly", "2026-11-30")
    report = generation.content_of(tenants_repo.get(tenant.id), MONTH)

    # headline figures, in the preview's answer and in the report, against October
    blocked = sum(e["data"]["blocked"] for e in november)
    hits = sum(e["data"]["hits"] for e in november)
    expected = {"attacks": (len(november), len(october) + 1), "hits": (hits, sum(e["data"]["hits"] for e in october)
                                                                      + edges[0]["data"]["hits"]),
                "incidents": (3, 1), "open_high": (2, 0), "open_medium": (2, 2), "open_low": (0, 1)}
    assert {f["name"]: (f["value"], f["previous"]) for f in body["figures"]} == expected
    assert (report.attacks.value, report.hits.value, report.blocked.value) == (len(november), hits, blocked)
    assert report.timezone == "Asia/Tokyo" and report.generated_at.utcoffset() == timedelta(hours=9)

    # attacks per Tokyo day
    per_day = Counter(datetime.fromisoformat(e["time"]).astimezone(TOKYO).day for e in november)
    assert [(bucket.label, bucket.attacks) for bucket in report.timeline] == [
        (str(day), per_day[day]) for day in range(1, 31)]

    # the breakdowns
    assert rows(report.top_attack_types) == ranked(november, lambda d: describe(d["type"]).name)
    assert [row.category for row in report.top_attack_types] == [
        next(describe(code).owasp or "" for code in TYPES if describe(code).name == name)
        for name, _, _ in ranked(november, lambda d: describe(d["type"]).name)]
    assert rows(report.top_hosts) == ranked(november, lambda d: d["host"])
    assert rows(report.top_endpoints) == ranked(
        november, lambda d: f"{d['host']} {d['path'].split('?')[0]}" if "path" in d else None)

    def ip_name(d: dict) -> str | None:
        if "ip" not in d:
            return None
        return f"{d['ip']} (internal)" if d["ip"] in internal else f"{d['ip']} ({d['country']})" \
            if "country" in d else d["ip"]
    assert rows(report.top_ips) == ranked(november, ip_name)

    def place(d: dict) -> str | None:
        if "country" in d:
            return country_name(d["country"])
        return "Internal addresses (private, loopback)" if d.get("ip") in internal else None
    countries = ranked(november, place)
    no_country = [e for e in november if place(e["data"]) is None]
    assert rows(report.top_countries) == [*countries, ("No country in the events", len(no_country),
                                                       sum(e["data"]["hits"] for e in no_country))]
    assert sum(row.attacks for row in report.top_countries) == len(november)
    apps = ranked(november, lambda d: d.get("application"))
    unnamed = [e for e in november if "application" not in e["data"]]
    assert rows(report.top_applications) == [*apps, ("No application in the events", len(unnamed),
                                                     sum(e["data"]["hits"] for e in unnamed))]
    assert rows(report.owasp) == sorted(ranked(november, lambda d: describe(d["type"]).owasp or "Other"),
                                        key=lambda row: (row[0] == "Other", row[0]))

    # the vulnerabilities, by the ledger's lives (LIVES says why each counts as it does)
    figures = report.vulnerability_figures
    assert (figures.new, figures.fixed, figures.reopened, figures.false_positives) == (
        {"high": 2, "medium": 1, "low": 0}, {"high": 1, "medium": 1, "low": 0}, {"high": 1, "medium": 0, "low": 0},
        1)
    assert figures.mean_days_to_fix == pytest.approx((5 + 33) / 2)
    assert figures.overdue == {"high": 2, "medium": 1, "low": 0}
    assert figures.oldest_open_days == {"high": 21, "medium": 59}  # at Tokyo's 1 December 00:00
    by_title = {row.title: row for row in report.vulnerabilities}
    assert sorted(by_title) == [f"Finding V{n}" for n in range(1, 9)]
    assert (by_title["Finding V3"].status, by_title["Finding V3"].days, by_title["Finding V3"].reopened.day) == (
        "reopened", 21, 9)
    assert (by_title["Finding V1"].status, by_title["Finding V1"].days) == ("closed", 5)
    assert (by_title["Finding V4"].status, by_title["Finding V4"].days) == ("closed", None)

    # the incidents: November's three, and October's still open under "needs action"
    assert sorted(row.title for row in report.incident_rows) == ["Incident i1", "Incident i2", "Incident i3"]
    assert [row.title for row in report.open_before] == ["Incident i0"]
