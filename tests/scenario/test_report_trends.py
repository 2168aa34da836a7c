"""Twelve-month trends against a ledger (issue 26 item 1): a Berlin tenant's thirteen months of attacks and
vulnerability lives (fixed, reopened, false positives, some across month ends) are posted through
``POST /v1/events`` on the injected clock; the test recounts every figure of every month on its own and compares
the monthly preview's ``trends``; then the months' rollups are what a second report reads, even once the hours
they came from are gone."""

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from boto3.dynamodb.conditions import Key

from chalicelib.aws.clients import table
from chalicelib.reports.periods import period_from_key
from chalicelib.settings import get_settings
from tests.support.contracts import rollups as contract
from tests.support.reports import preview, preview_text, run_scheduler

ZONE = "Europe/Berlin"
MONTHS = [period_from_key("monthly", ZONE, key) for key in
          ["2025-11", "2025-12", *(f"2026-{n:02d}" for n in range(1, 12))]]  # the first is before the trend
SLA = {"high": 7, "medium": 30, "low": 90}
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def _attacks(rng: random.Random) -> list[dict]:
    events = []
    for month in MONTHS:
        times = [month.start + (month.end - month.start) * rng.random() for _ in range(rng.randint(6, 14))]
        times += [month.start + timedelta(minutes=5), month.end - timedelta(minutes=5)]  # local midnight's edges
        for when in times:
            events.append({"id": f"a{len(events)}", "type": "attack.detected", "time": when.isoformat(),
                           "data": {"type": rng.choice(["sqli", "xss", "rce"]), "host": "shop.example",
                                    "hits": rng.choice([1, 3, 12]), "blocked": rng.random() < 0.6}})
    return events


def _lives(rng: random.Random) -> dict[str, tuple[str, list[tuple[datetime, str]]]]:
    """Vulnerability id → (risk, its reported statuses in time order), each status differing from the last."""
    lives = {}
    for n in range(30):
        at = MONTHS[0].start + (NOW - timedelta(days=3) - MONTHS[0].start) * rng.random()
        life, status = [(at, "open")], "open"
        while rng.random() < 0.7:
            at += timedelta(days=rng.choice([0.5, 2, 6, 9, 25, 40, 80]))
            status = "open" if status != "open" else rng.choice(["closed", "closed", "closed", "false_positive"])
            if at >= NOW:
                break
            life.append((at, status))
        lives[f"V{n}"] = (rng.choice(["high", "medium", "low"]), life)
    return lives


def _vulnerability_events(lives: dict) -> list[dict]:
    events = []
    for vid, (risk, life) in lives.items():
        for n, (at, status) in enumerate(life):
            data = {"id": vid, "risk": risk, "title": f"Finding {vid}", "host": "shop.example"}
            kind = "vulnerability.detected" if n == 0 else "vulnerability.status_changed"
            events.append({"id": f"{vid}-{n}", "type": kind, "time": at.isoformat(),
                           "data": data if n == 0 else {**data, "status": status}})
    return sorted(events, key=lambda event: event["time"])


def _expected(month, attacks: list[dict], lives: dict) -> dict:
    """The month's trend figures recounted from the ledger."""
    inside = [e["data"] for e in attacks if month.start <= datetime.fromisoformat(e["time"]) < month.end]
    end = month.end
    backlog, overdue, fixes = dict.fromkeys(SLA, 0), 0, []
    for risk, life in lives.values():
        before = [(at, status) for at, status in life if at < end]
        if before and before[-1][1] == "open":
            backlog[risk] += 1
            overdue += end - before[-1][0] > timedelta(days=SLA[risk])
        fix = None
        for (was_at, was), (at, status) in itertools.pairwise(life):
            if month.start <= at < end:
                fix = at - was_at if status == "closed" and was == "open" else None if status == "open" else fix
        if fix is not None:
            fixes.append((fix, fix <= timedelta(days=SLA[risk])))
    blocked = sum(d["blocked"] for d in inside)
    return {"key": month.key, "attacks": len(inside), "hits": sum(d["hits"] for d in inside),
            "blocked_percent": round(100 * blocked / len(inside), 1), "backlog": backlog, "overdue": overdue,
            "mean_days_to_fix": round(sum(f.total_seconds() for f, _ in fixes) / len(fixes) / 86400, 1)
            if fixes else None,
            "fixed_within_sla_percent": round(100 * sum(ok for _, ok in fixes) / len(fixes), 1) if fixes else None,
            "stored": True}


@pytest.fixture
def ledger(api, frozen_clock):
    frozen_clock.moment = NOW
    tenant = api.tenant("Berliner Bank", "sec@bank.example", timezone=ZONE)
    rng = random.Random(26)
    attacks, lives = _attacks(rng), _lives(rng)
    events = [*attacks, *_vulnerability_events(lives)]
    for first in range(0, len(events), 100):
        status, body = tenant.call("POST", "/v1/events", {"events": events[first:first + 100]})
        assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body
    return tenant, attacks, lives


def _rollups(tenant_id: str) -> dict[str, dict]:
    items = table(get_settings().security_table).query(KeyConditionExpression=Key("pk").eq(f"{tenant_id}#rollup"))
    return {item["sk"]: item["rollup"] for item in items["Items"]}


def test_every_trend_figure_of_twelve_months_matches_the_ledger_and_comes_from_the_rollups(ledger):
    tenant, attacks, lives = ledger

    # WHEN November's monthly report is previewed after the month
    body, _ = preview(tenant, "monthly", "2026-11-30")

    # THEN its trends are December to November, every figure as recounted from the ledger
    expected = [_expected(month, attacks, lives) for month in MONTHS[1:]]
    shown = [{key: point[key] for key in expected[0]} for point in body["trends"]]
    assert [point["key"] for point in shown] == [month.key for month in MONTHS[1:]]
    assert shown == expected
    assert any(point["mean_days_to_fix"] for point in shown) and any(point["overdue"] for point in shown)
    assert [point["label"] for point in body["trends"][:2]] == ["Dec", "Jan 2026"]

    # AND each ended month's rollup was written once, in the tenant's partition
    stored = _rollups(tenant.id)
    assert sorted(stored) == [month.key for month in MONTHS[1:]]

    # WHEN the hours of every month before November are gone (as expired data would be)
    hours = table(get_settings().security_table)
    for item in hours.query(KeyConditionExpression=Key("pk").eq(f"{tenant.id}#hour")
                            & Key("sk").lt(MONTHS[-1].start.strftime("%Y-%m-%dT%H")))["Items"]:
        hours.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})

    # THEN a second report shows the same trends: it reads the rollups, not the hours, and rewrites none
    again, _ = preview(tenant, "monthly", "2026-11-30")
    assert again["trends"] == body["trends"]
    assert _rollups(tenant.id) == stored


def test_the_pdf_opens_with_the_trends(ledger):
    tenant, _, _ = ledger
    text = preview_text(tenant, "monthly", "2026-11-30")
    assert "Last 12 months" in text
    for words in ("Attacks", "Blocked", "Backlog at month end", "Mean time to fix", "Fixed within SLA", "Overdue"):
        assert words in text


def test_weekly_and_daily_previews_carry_12_weeks_and_30_days(ledger):
    tenant, attacks, _ = ledger
    weekly, _ = preview(tenant, "weekly", "2026-11-29")
    daily, _ = preview(tenant, "daily", "2026-11-30")
    assert [len(weekly["trends"]), weekly["trends"][-1]["key"]] == [12, "2026-W48"]
    assert [len(daily["trends"]), daily["trends"][0]["key"], daily["trends"][-1]["key"]] == [
        30, "2026-11-01", "2026-11-30"]
    november = period_from_key("monthly", ZONE, "2026-11")
    in_november = sum(november.start <= datetime.fromisoformat(e["time"]) < november.end for e in attacks)
    assert sum(point["attacks"] for point in daily["trends"]) == in_november
    assert _rollups(tenant.id) == {}  # weekly and daily trends write no rollup


def test_the_dynamodb_store_keeps_the_store_contract(aws):
    from chalicelib.aws.rollups_repo import DynamoRollupStore

    contract.check(DynamoRollupStore())


def test_the_monthly_report_run_when_the_month_ends_writes_its_rollup(api, frozen_clock):
    # GIVEN a Berlin tenant taking monthly reports, with November's attacks
    tenant = api.tenant("Monatlich AG", "sec@monat.example", timezone=ZONE)
    tenant.integration(name="Board", emails="board@monat.example", events=["report_monthly"])
    frozen_clock.moment = datetime(2026, 11, 30, 12, tzinfo=UTC)
    attacks = [{"id": f"m{n}", "type": "attack.detected", "time": f"2026-11-{n + 1:02d}T10:00:00Z",
                "data": {"type": "sqli", "host": "monat.example", "hits": 2, "blocked": n % 2 == 0}}
               for n in range(10)]
    status, body = tenant.call("POST", "/v1/events", {"events": attacks})
    assert status == 202, body
    assert _rollups(tenant.id) == {}

    # WHEN the hourly scheduler fires just after Berlin's 1 December 00:00 and the report worker runs its job
    frozen_clock.moment = datetime(2026, 11, 30, 23, 5, tzinfo=UTC)
    run_scheduler(api, frozen_clock.moment)

    # THEN November's rollup is stored with its figures, and the months before it back-filled
    stored = _rollups(tenant.id)
    assert stored["2026-11"]["attacks"] == 10 and stored["2026-11"]["hits"] == 20
    assert stored["2026-11"]["blocked"] == 5
    assert sorted(stored) == [month.key for month in MONTHS[1:]]
