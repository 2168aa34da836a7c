"""A tenant's fan-out never holds up the API or another tenant: ingest routes a bounded number of deliveries itself
and queues the rest of its events (ids, not documents) for the route worker; every queued message carries its
tenant as ``MessageGroupId``, and the pollers serve tenants round-robin (SQS fair queues; moto emulated locally)."""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.aws import queue
from chalicelib.aws.clients import client
from chalicelib.settings import get_settings
from local import fair_queues
from local.pollers import poll_once
from tests.support.api import TenantHandle
from tests.support.checks import scan
from tests.support.pipeline import Pipeline, outbox

TIME = "2026-11-25T09:59:00Z"


def users(prefix: str, count: int) -> list[dict[str, Any]]:
    return [{"id": f"{prefix}-{n}", "type": "user.created", "time": TIME, "data": {"email": f"{prefix}{n}@acme.io"}}
            for n in range(count)]


def queued(name: str) -> list[dict[str, Any]]:
    """The queue's visible messages (received, then made visible again), with their group."""
    url = queue.queue_url(name)
    messages = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
    found = messages.get("Messages", [])
    for message in found:
        client("sqs").change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                                VisibilityTimeout=0)
    return [{"group": m["Attributes"].get("MessageGroupId"), **json.loads(m["Body"])} for m in found]


@pytest.fixture
def small_inline_budget(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("INLINE_DELIVERIES", "5")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def team_of(tenant: TenantHandle, size: int) -> None:
    """``size`` integrations taking system mail, besides the tenant's default one."""
    domain = tenant.tenant["primary_email"].partition("@")[2]
    for n in range(size):
        tenant.integration(name=f"Team {n}", emails=f"team{n}@{domain}", events=["system"])


def test_a_small_fan_out_is_routed_in_the_call_and_a_larger_one_by_the_route_worker(
        acme: TenantHandle, pipeline: Pipeline, small_inline_budget: None) -> None:
    # GIVEN 5 integrations take system mail; an ingest call routes up to 5 deliveries itself
    team_of(acme, 4)

    # WHEN one event arrives (5 deliveries) THEN it is routed in the call
    status, body = acme.call("POST", "/v1/events", {"events": users("one", 1)})
    assert status == 202 and body["results"][0]["status"] == "accepted"
    assert len(scan("deliveries_table")) == 5 and queued(get_settings().route_queue) == []

    # WHEN 3 events arrive, 15 deliveries THEN all are accepted at once and queued as ids under the tenant's group
    status, body = acme.call("POST", "/v1/events", {"events": users("u", 3)})
    assert status == 202 and [r["status"] for r in body["results"]] == ["accepted"] * 3
    assert len(scan("deliveries_table")) == 5
    [route] = queued(get_settings().route_queue)  # up to ten ids a message
    assert (route["group"], route["tenant_id"]) == (acme.id, acme.id)
    assert [entry["id"] for entry in route["events"]] == [f"u-{n}" for n in range(3)]
    assert set(route) == {"group", "tenant_id", "events"} and {key for e in route["events"] for key in e} == {
        "id", "claim"}  # ids, no documents
    claims = {row["claimed_by"] for row in scan("events_table") if row["pk"].rsplit("#", 1)[1].startswith("u-")}
    assert {entry["claim"] for entry in route["events"]} == claims  # the call's claim, handed to the route worker
    assert {message["group"] for message in queued(get_settings().delivery_queue)} == {acme.id}
    # AND the route worker routes them: every address gets each notice once
    pipeline.drain()
    assert sorted(mail.subject for mail in outbox()) == sorted(
        f"New user added: {prefix}{n}@acme.io" for prefix, n in [("one", 0), ("u", 0), ("u", 1), ("u", 2)]
        for _ in range(5))
    assert all(row["routed"] for row in scan("events_table"))
    # AND a retried batch is all duplicates and routes nothing again
    status, body = acme.call("POST", "/v1/events", {"events": users("u", 3)})
    pipeline.drain()
    assert [r["status"] for r in body["results"]] == ["duplicate"] * 3 and len(outbox()) == 20


def test_one_tenants_burst_does_not_hold_up_another_tenants_alert(
        api: Any, acme: TenantHandle, globex: TenantHandle, pipeline: Pipeline) -> None:
    # GIVEN Acme's burst: 4 events to 6 integrations, 24 mails queued first
    team_of(acme, 5)
    assert acme.call("POST", "/v1/events", {"events": users("burst", 4)})[0] == 202
    # AND then Globex's trigger for more than one attack a minute fires: its alert is queued behind them
    soc = globex.integration(name="SOC", emails="soc@globex.example", events=["vuln"])
    condition = {"type": "threshold", "metric": "attacks", "interval": "minute", "threshold": 1}
    status, body = globex.call("POST", "/v1/triggers", {"name": "Attacks", "integration_ids": [soc["id"]],
                                                       "condition": condition})
    assert status == 201, body
    attacks = [{"id": f"a-{n}", "type": "attack.detected", "time": TIME, "data": {"type": "sqli", "host": "globex.io"}}
               for n in range(2)]
    assert globex.call("POST", "/v1/events", {"events": attacks})[0] == 202

    # WHEN the delivery worker takes its first batch of 10, with SQS fair queues
    with fair_queues.installed():
        assert poll_once(get_settings().delivery_queue, pipeline.worker) == 10

    # THEN Globex's alert went out in it, while most of Acme's burst still waits
    sent = [mail.to[0] for mail in outbox()]
    assert "soc@globex.example" in sent and len(sent) == 10
    assert sum(address.endswith("@acme.io") for address in sent) == 9
    pipeline.drain()
    assert len(outbox()) == 25


def test_in_a_batch_tenants_take_turns_each_in_its_own_order() -> None:
    from local.pollers import fair_order

    received = ["a1", "a2", "a3", "b1", "a4", "c1", "b2"]
    assert fair_order(received, lambda item: item[0]) == ["a1", "b1", "c1", "a2", "b2", "a3", "a4"]
    assert fair_order([], lambda item: item) == []


def test_a_batch_mixing_seen_new_and_repeated_ids_records_each_once(acme: TenantHandle, pipeline: Pipeline) -> None:
    first, second, third = users("m", 3)
    assert [r["status"] for r in acme.call("POST", "/v1/events", {"events": [first, second]})[1]["results"]] == [
        "accepted", "accepted"]

    status, body = acme.call("POST", "/v1/events", {"events": [second, third, third, first]})
    pipeline.drain()

    assert status == 202 and [r["status"] for r in body["results"]] == ["duplicate", "accepted", "duplicate",
                                                                         "duplicate"]
    assert sorted(row["pk"].rsplit("#", 1)[1] for row in scan("events_table")) == ["m-0", "m-1", "m-2"]
    assert sorted(mail.subject for mail in outbox()) == [f"New user added: m{n}@acme.io" for n in range(3)]
