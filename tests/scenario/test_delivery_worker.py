"""Delivery worker edge cases: chained delays, crashed workers, partial batches, system notices, EventBridge."""

import json
from datetime import timedelta

import pytest

from chalicelib.aws import deliveries_repo, queue
from chalicelib.aws.clients import client
from chalicelib.delivery import worker
from chalicelib.settings import get_settings
from chalicelib.wiring import stores
from local.pollers import poll_once
from tests.support.pipeline import outbox

VULN = {"id": "e-1", "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
        "data": {"risk": "high", "title": "SQLi in /login"}}


def only_delivery(pipeline):
    [row] = [d for d in pipeline.deliveries() if d["event_id"] == "e-1"]
    return deliveries_repo.get(row["tenant_id"], row["id"])


def test_delays_over_sqs_maximum_are_chained(acme, monkeypatch, frozen_clock):
    monkeypatch.setenv("SQS_MAX_DELAY_SECONDS", "900")
    get_settings.cache_clear()
    try:
        due = (frozen_clock.moment + timedelta(seconds=1800)).isoformat()
        sent: list[int] = []
        monkeypatch.setattr(queue, "send", lambda name, body, delay_seconds=0: sent.append(delay_seconds))
        soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
        acme.call("POST", "/v1/events", {"events": [VULN]})
        row = next(d for d in deliveries_rows() if d["integration_id"] == soc["id"])
        sent.clear()
        worker.process(stores(), {"tenant_id": acme.id, "delivery_id": row["id"], "try": 1, "due": due})
        assert sent == [1800]  # asked again for the rest; SQS caps one hop at 900 s
        monkeypatch.undo()
        monkeypatch.setenv("SQS_MAX_DELAY_SECONDS", "900")
        get_settings.cache_clear()
        queue.send_deliveries([(queue.delivery_message(acme.id, row["id"], soc["id"], 1, due), 1800)])
        url = queue.queue_url(get_settings().delivery_queue)
        attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
    finally:
        get_settings.cache_clear()


def deliveries_rows():
    from tests.support.checks import scan

    return scan("deliveries_table")


def test_worker_stopped_between_claim_and_send_ends_dead_not_lost(acme, pipeline, frozen_clock, monkeypatch):
    acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    acme.call("POST", "/v1/events", {"events": [VULN]})
    from chalicelib.aws import mailer

    def crash(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(mailer, "send_raw", crash)
    with pytest.raises(SystemExit):
        poll_once(get_settings().delivery_queue, pipeline.worker)
    monkeypatch.undo()
    # the message comes back (never deleted); while the claim is fresh the worker waits for it
    assert pipeline.worker(_redelivery(acme, pipeline))["batchItemFailures"]
    frozen_clock.advance(seconds=get_settings().claim_lease_seconds + 1)
    pipeline.worker(_redelivery(acme, pipeline))
    rows = [d for d in pipeline.deliveries() if d["event_id"] == "e-1"]
    stopped = [d for d in rows if d["status"] == "dead"]
    assert stopped and stopped[0]["attempts"][-1]["outcome"] == "interrupted"
    assert "redrive" in stopped[0]["last_error"]


def _redelivery(acme, pipeline):
    rows = [d for d in pipeline.deliveries() if d["status"] == "sending"]
    body = {"tenant_id": acme.id, "delivery_id": rows[0]["id"], "try": 1, "due": rows[0]["created_at"]}
    return {"Records": [{"messageId": "m-1", "receiptHandle": "r", "body": json.dumps(body), "attributes": {},
                         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}]}


def test_lost_next_try_message_is_requeued_by_the_redelivered_one(acme, pipeline, flaky_ses, monkeypatch):
    acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    flaky_ses.fail_next(10)
    acme.call("POST", "/v1/events", {"events": [VULN]})
    rows = [d for d in pipeline.deliveries()]
    dropped: list[int] = []
    real = queue.send_deliveries
    monkeypatch.setattr(queue, "send_deliveries",  # crash before sending
                        lambda messages: dropped.extend(body["try"] for body, _ in messages))
    for row in rows:
        worker.process(stores(), {"tenant_id": acme.id, "delivery_id": row["id"], "try": 1,
                                  "due": row["created_at"]})
    monkeypatch.setattr(queue, "send_deliveries", real)
    assert set(dropped) == {2}
    for row in rows:  # SQS redelivers try 1: its outcome is recorded, so only the next try is queued again
        worker.process(stores(), {"tenant_id": acme.id, "delivery_id": row["id"], "try": 1,
                                  "due": row["created_at"]})
    flaky_ses.failures.clear()
    pipeline.drain()
    assert {d["status"] for d in pipeline.deliveries()} == {"sent"}
    assert len(outbox()) == len(rows)


def test_one_bad_message_does_not_fail_the_batch(acme, pipeline):
    acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    acme.call("POST", "/v1/events", {"events": [VULN]})
    queue.send(get_settings().delivery_queue, {"garbage": True})
    received = poll_once(get_settings().delivery_queue, pipeline.worker)
    assert received == 3
    assert len(outbox()) == 2  # both real deliveries went out
    url = queue.queue_url(get_settings().delivery_queue)
    left = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert left["ApproximateNumberOfMessagesNotVisible"] == "1"  # only the bad one returns


def test_disable_and_delete_notify_the_integration_itself(acme, pipeline):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["system"])
    assert acme.call("POST", f"/v1/integrations/{soc['id']}/disable")[1]["disabled_reason"] == "manual"
    acme.call("POST", f"/v1/integrations/{soc['id']}/disable")  # again: no second notice
    pipeline.drain()
    assert sorted((m.to[0], m.subject) for m in outbox()) == [
        ("sec@acme.io", "Integration disabled: SOC"), ("soc@acme.io", "Integration disabled: SOC")]
    acme.call("POST", f"/v1/integrations/{soc['id']}/enable")
    assert acme.call("DELETE", f"/v1/integrations/{soc['id']}")[0] == 204
    pipeline.drain()
    deleted = sorted(m.to[0] for m in outbox() if m.subject == "Integration deleted: SOC")
    assert deleted == ["sec@acme.io", "soc@acme.io"]
    assert acme.call("GET", f"/v1/integrations/{soc['id']}")[0] == 404


def test_eventbridge_events_take_the_same_path(api, acme, pipeline):
    event = api.client.events.generate_cw_event(
        source="security.platform", detail_type="scope.changed", resources=[],
        detail={"tenant_id": acme.id, "id": "eb-1",
                "data": {"changes": [{"kind": "service", "action": "added", "value": "api:443"}]}})
    result = api.client.lambda_.invoke("platform_events", event).payload
    assert result["results"][0]["status"] == "accepted"
    assert api.client.lambda_.invoke("platform_events", event).payload["results"][0]["status"] == "duplicate"
    pipeline.drain()
    assert [m.subject for m in outbox()] == ["Scope changed: service api:443 added"]
