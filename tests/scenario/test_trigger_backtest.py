"""Trigger backtest (``POST /v1/triggers/preview``): a ledger of past attacks, posted through the API on the injected
clock, recounted here from the exact event times; the preview must give exactly the windows over the threshold per
day where the stored hours can tell, and bounds that hold the exact answer where they cannot."""

import ipaddress
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib import clock
from chalicelib.settings import get_settings
from chalicelib.triggers import backtest
from tests.support.api import Api, TenantHandle
from tests.support.checks import assert_error
from tests.support.clock import FrozenClock
from tests.support.pipeline import Pipeline
from tests.support.world import snapshot

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Attack:
    at: datetime
    type: str
    host: str
    hits: int
    ip: str


def burst(hour: datetime, count: int, type_: str = "sqli", host: str = "api.acme.io", hits: int = 1,
          ip: str = "203.0.113.7") -> list[Attack]:
    """``count`` attacks spread over the hour (every 7th minute, wrapping), so minute windows hold a few each."""
    return [Attack(hour + timedelta(minutes=(7 * n) % 60, seconds=n), type_, host, hits, ip) for n in range(count)]


def ledger() -> list[Attack]:
    """Bursts with known hourly counts in November 2026, one before the 30 days, one this morning."""
    h = lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC)  # noqa: E731
    return [*burst(h("2026-10-20T10:00"), 9),  # before the 30 days: never counted
            *burst(h("2026-11-01T04:00"), 4, hits=30),  # 00:xx in New York (EDT), the night clocks go back
            *burst(h("2026-11-02T04:00"), 3, hits=30),  # 23:xx in New York (EST): the same local day
            *burst(h("2026-11-03T14:00"), 7, hits=10), *burst(h("2026-11-03T15:00"), 4, "xss"),
            *burst(h("2026-11-10T02:00"), 9, host="pay.acme.io", ip="198.51.100.4"),
            *burst(h("2026-11-10T02:00"), 3, "xss"),
            *burst(h("2026-11-20T23:00"), 6), *burst(h("2026-11-21T00:00"), 6, ip="198.51.100.9"),
            *burst(h("2026-11-25T09:00"), 5, "xss", "pay.acme.io")]


def post(tenant: TenantHandle, attacks: list[Attack], pipeline: Pipeline, prefix: str) -> None:
    events = [{"id": f"{prefix}-{n}", "type": "attack.detected", "time": clock.iso(a.at),
               "data": {"type": a.type, "host": a.host, "hits": a.hits, "ip": a.ip}} for n, a in enumerate(attacks)]
    for offset in range(0, len(events), 100):
        status, body = tenant.call("POST", "/v1/events", {"events": events[offset:offset + 100]})
        assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body
    pipeline.drain()


def passes(attack: Attack, filters: dict[str, Any]) -> bool:
    fields = {"domain": attack.host, "attack_type": attack.type, "ip": attack.ip}
    for kind, rule in filters.items():
        inside = any(ipaddress.ip_address(fields[kind]) in ipaddress.ip_network(value) if kind == "ip"
                     else fields[kind] == value for value in rule["values"])
        if inside == rule.get("exclude", False):
            return False
    return True


def recount(attacks: list[Attack], condition: dict[str, Any], zone: str) -> tuple[int, dict[date, int]]:
    """The exact answer from the event times: windows (in the tenant's zone) whose count is above the threshold,
    in total and by the local date they start on."""
    tz = ZoneInfo(zone)
    start = datetime(2026, 10, 27, tzinfo=tz)
    floor = {"minute": lambda t: t.replace(second=0, microsecond=0),
             "hour": lambda t: t.replace(minute=0, second=0, microsecond=0),
             "day": lambda t: t.replace(hour=0, minute=0, second=0, microsecond=0)}[condition["interval"]]
    counts: Counter[datetime] = Counter()
    for attack in attacks:
        if start <= attack.at < NOW and passes(attack, condition.get("filters", {})):
            counts[floor(attack.at.astimezone(tz))] += attack.hits if condition["metric"] == "hits" else 1
    fired = [window for window, count in counts.items() if count > condition["threshold"]]
    return len(fired), Counter(window.date() for window in fired)


def preview(tenant: TenantHandle, integration_id: str, condition: dict[str, Any]) -> dict[str, Any]:
    body = {"name": "Backtest", "integration_ids": [integration_id], "condition": {"type": "threshold", **condition}}
    status, answer = tenant.call("POST", "/v1/triggers/preview", body)
    assert status == 200, answer
    return answer


@pytest.fixture
def world(frozen_clock: FrozenClock, api: Api, pipeline: Pipeline) -> dict[str, Any]:
    """Acme (UTC) and a New York tenant hold the ledger; Globex holds a flood of its own."""
    tenants = {"acme": api.tenant(), "york": api.tenant("Yorker", "soc@york.example", timezone="America/New_York"),
               "kolkata": api.tenant("Pune", "soc@pune.example", timezone="Asia/Kolkata"),
               "globex": api.tenant("Globex", "it@globex.example")}
    for name, tenant in tenants.items():
        attacks = burst(datetime(2026, 11, 3, 14, tzinfo=UTC), 40) if name == "globex" else ledger()
        post(tenant, attacks, pipeline, name)
    frozen_clock.moment = NOW
    return {name: (tenant, tenant.integration()["id"]) for name, tenant in tenants.items()}


EXACT = [
    ({"metric": "attacks", "interval": "hour", "threshold": 5}, "acme"),
    ({"metric": "attacks", "interval": "hour", "threshold": 0}, "acme"),
    ({"metric": "attacks", "interval": "day", "threshold": 10}, "acme"),
    ({"metric": "hits", "interval": "day", "threshold": 100}, "acme"),
    ({"metric": "hits", "interval": "day", "threshold": 100}, "york"),  # 25-hour local day: 210 hits, one alert
    ({"metric": "attacks", "interval": "hour", "threshold": 3, "filters": {"domain": {"values": ["api.acme.io"]}}},
     "acme"),
    ({"metric": "attacks", "interval": "hour", "threshold": 2,
      "filters": {"attack_type": {"values": ["sqli"], "exclude": True}}}, "acme"),
    ({"metric": "attacks", "interval": "day", "threshold": 4,
      "filters": {"ip": {"values": ["198.51.100.0/24"]}}}, "york"),
]


def test_hour_and_day_windows_give_the_exact_alerts_of_the_ledger_per_day(world: dict[str, Any]) -> None:
    for condition, who in EXACT:
        tenant, integration_id = world[who]
        zone = tenant.tenant["timezone"]
        alerts, per_day = recount(ledger(), condition, zone)

        answer = preview(tenant, integration_id, condition)

        assert answer["exact"] is True, condition
        assert answer["alerts"] == answer["alerts_min"] == answer["alerts_max"] == alerts > 0, condition
        assert [day["date"] for day in answer["days"]] == [
            (date(2026, 10, 27) + timedelta(days=n)).isoformat() for n in range(30)]
        assert {day["date"]: day["alerts"] for day in answer["days"] if day["alerts"]} == {
            day.isoformat(): count for day, count in per_day.items()}, condition
        assert answer["start"] == clock.iso(datetime(2026, 10, 27, tzinfo=ZoneInfo(zone)))


def test_the_night_clocks_go_back_is_one_local_day_of_25_hours(world: dict[str, Any]) -> None:
    condition = {"metric": "attacks", "interval": "day", "threshold": 6}
    utc_answer, york_answer = (preview(*world[who], condition) for who in ("acme", "york"))

    assert {d["date"] for d in york_answer["days"] if d["alerts"]} >= {"2026-11-01"}  # 4 + 3 on one local day
    assert "2026-11-01" not in {d["date"] for d in utc_answer["days"] if d["alerts"]}  # 4 and 3 on two UTC days
    [busiest_day] = [w for w in york_answer["busiest"] if w["start"] == "2026-11-01T04:00:00Z"]
    assert busiest_day == {"start": "2026-11-01T04:00:00Z", "end": "2026-11-02T05:00:00Z",
                           "count_min": 7, "count_max": 7}


BOUNDED = [
    ({"metric": "attacks", "interval": "minute", "threshold": 0}, "acme"),
    ({"metric": "attacks", "interval": "minute", "threshold": 1}, "york"),
    ({"metric": "hits", "interval": "minute", "threshold": 25}, "acme"),
    ({"metric": "attacks", "interval": "hour", "threshold": 2,  # India's hours straddle two stored UTC hours
      "filters": {"domain": {"values": ["api.acme.io"]}}}, "kolkata"),
    ({"metric": "attacks", "interval": "hour", "threshold": 2,  # two filters: the hour does not say the overlap
      "filters": {"domain": {"values": ["api.acme.io"]}, "attack_type": {"values": ["sqli"]}}}, "acme"),
]


def test_finer_than_the_data_answers_bounds_that_hold_the_truth(world: dict[str, Any]) -> None:
    for condition, who in BOUNDED:
        tenant, integration_id = world[who]
        alerts, per_day = recount(ledger(), condition, tenant.tenant["timezone"])

        answer = preview(tenant, integration_id, condition)

        assert answer["exact"] is False and answer["alerts"] is None, condition
        assert answer["alerts_min"] <= alerts <= answer["alerts_max"], condition
        assert answer["alerts_min"] < answer["alerts_max"], condition
        for day in answer["days"]:
            assert day["alerts_min"] <= per_day.get(date.fromisoformat(day["date"]), 0) <= day["alerts_max"]
        assert (backtest.NOTE_MINUTE in answer["notes"]) is (condition["interval"] == "minute")


def test_minute_bounds_are_what_an_hour_allows(world: dict[str, Any]) -> None:
    """Hours of 4, 3, 7, 4, 12, 6, 6, 5 attacks: any minute over 0 means at least one alert per busy hour and at
    most one per attack; over 2, at most one per 3 attacks and none for sure."""
    hours = [4, 3, 7, 4, 12, 6, 6, 5]
    assert preview(*world["acme"], {"metric": "attacks", "interval": "minute", "threshold": 0})[
        "alerts_min"] == len(hours)
    answer = preview(*world["acme"], {"metric": "attacks", "interval": "minute", "threshold": 2})
    assert (answer["alerts_min"], answer["alerts_max"]) == (0, sum(n // 3 for n in hours))
    assert answer["busiest"][0] == {"start": "2026-11-10T02:00:00Z", "end": "2026-11-10T03:00:00Z",
                                    "count_min": 12, "count_max": 12}


def test_another_tenants_attacks_are_invisible(world: dict[str, Any]) -> None:
    condition = {"metric": "attacks", "interval": "hour", "threshold": 20}
    assert preview(*world["acme"], condition)["alerts"] == 0
    assert preview(*world["globex"], condition)["alerts"] == 1


def test_preview_is_checked_like_create_stores_nothing_and_is_rate_limited(world: dict[str, Any]) -> None:
    tenant, integration_id = world["acme"]
    good = {"name": "Backtest", "integration_ids": [integration_id],
            "condition": {"type": "threshold", "metric": "attacks", "interval": "hour", "threshold": 5}}
    for bad in ({**good, "condition": {**good["condition"], "threshold": -1}}, {**good, "name": ""},
                {**good, "integration_ids": ["00000000-0000-4000-8000-000000000000"]},
                {**good, "integration_ids": [world["globex"][1]]}, "{not json"):
        created, previewed = (tenant.call("POST", path, bad) for path in ("/v1/triggers", "/v1/triggers/preview"))
        assert created[0] in (400, 404, 422) and previewed == created
    assert_error(tenant.call("POST", "/v1/triggers/preview", good, token=tenant.token_for("viewer")), 403)
    before = snapshot(tenant.id)
    status, answer = tenant.call("POST", "/v1/triggers/preview", {**good, "condition": {"type": "user_added"}})
    assert status == 422 and answer["error"]["details"][0]["path"] == "condition"

    for _ in range(get_settings().trigger_preview_rate_limit):
        assert tenant.call("POST", "/v1/triggers/preview", good)[0] == 200
    status, body, headers = tenant.api.call("POST", "/v1/triggers/preview", tenant.token, good)
    assert status == 429 and int(headers["Retry-After"]) > 0, body
    assert snapshot(tenant.id) == before
