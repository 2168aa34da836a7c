"""Each event id is routed and counted exactly once under real concurrency, and never lost when its router dies.

Ten threads post the same event at once while the first copy is still routing (the race window widened around
routing): one is accepted, nine are duplicates, and a "more than 3" trigger does not fire."""

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import clock
from chalicelib.aws import events_repo
from chalicelib.events import router
from chalicelib.stores.events import Claim
from chalicelib.triggers import evaluate
from tests.support.api import Api, TenantHandle
from tests.support.checks import scan
from tests.support.concurrency import concurrently, widen_race_window
from tests.support.pipeline import Pipeline, outbox

TIME = "2026-11-25T09:59:00Z"
ATTACK = {"id": "a-1", "type": "attack.detected", "time": TIME, "data": {"type": "sqli", "host": "api.acme.io"}}
USER = {"id": "u-1", "type": "user.created", "time": TIME, "data": {"email": "new@acme.io"}}


@pytest.fixture
def watched(acme: TenantHandle) -> dict[str, Any]:
    """SOC takes system mail and a trigger for more than 3 attacks an hour."""
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["system"])
    condition = {"type": "threshold", "metric": "attacks", "interval": "hour", "threshold": 3}
    status, body = acme.call("POST", "/v1/triggers", {"name": "Spike", "integration_ids": [soc["id"]],
                                                      "condition": condition})
    assert status == 201, body
    return soc


def post_at_once(api: Api, tenant: TenantHandle, event: dict[str, Any], copies: int = 10) -> Counter[str]:
    calls = [lambda: api.call("POST", "/v1/events", tenant.token, {"events": [event]})[:2]] * copies
    answers = concurrently(calls)
    assert {status for status, _ in answers} == {202}, answers
    return Counter(body["results"][0]["status"] for _, body in answers)


@pytest.mark.parametrize("slow", [(router, "route"), (evaluate, "evaluate"), (events_repo, "record")],
                         ids=["while-routing", "while-counting", "all-recorded-first"])
def test_ten_parallel_copies_are_one_accepted_event_routed_and_counted_once(
        api: Api, acme: TenantHandle, watched: dict[str, Any], pipeline: Pipeline, monkeypatch: Any,
        slow: tuple[Any, str]) -> None:
    widen_race_window(monkeypatch, *slow)

    assert post_at_once(api, acme, ATTACK) == {"accepted": 1, "duplicate": 9}
    assert post_at_once(api, acme, USER) == {"accepted": 1, "duplicate": 9}
    pipeline.drain()

    # THEN the attack counted once: the trigger's window holds 1 and "more than 3" did not fire
    windows = [row for row in scan("counters_table") if str(row.get("key", "")).startswith("trigger#")
               and "count" in row]
    assert [row["count"] for row in windows] == [1], windows
    assert [mail.subject for mail in outbox() if "Trigger" in mail.subject] == []
    # AND the user's notice went once to each address
    notices = Counter(mail.to[0] for mail in outbox() if mail.subject == "New user added: new@acme.io")
    assert notices == {"soc@acme.io": 1, "sec@acme.io": 1}
    assert all(row["routed"] for row in scan("events_table"))


def test_an_event_whose_router_died_holding_its_claim_is_routed_when_the_claim_ends(
        acme: TenantHandle, watched: dict[str, Any], pipeline: Pipeline) -> None:
    # GIVEN a router recorded the event and claimed it, then died before routing it
    from chalicelib.models.events import PlatformEvent

    event = PlatformEvent.model_validate(USER)
    now = clock.now()
    events_repo.record(acme.id, event, now)
    assert events_repo.claim(acme.id, event.id, now, Claim("dead", clock.shift(now, timedelta(minutes=2))))

    # WHEN the producer retries while the dead router's claim still runs
    status, body = acme.call("POST", "/v1/events", {"events": [USER]})
    assert status == 202 and body["results"][0]["status"] == "duplicate"
    assert outbox() == [] and not scan("events_table")[0]["routed"]

    # THEN the route worker routes it once the claim has ended (the pipeline moves the clock to its due time)
    pipeline.drain()
    assert sorted(mail.to[0] for mail in outbox()) == ["sec@acme.io", "soc@acme.io"]
    assert scan("events_table")[0]["routed"]
    assert clock.now() >= clock.shift(now, timedelta(minutes=2))
