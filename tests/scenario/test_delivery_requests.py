"""What one delivered mail costs in AWS requests: an event through the EventBridge handler (and POST /v1/events),
fanned out to three integrations, delivered by the worker with SES healthy. Every request our code makes is
counted with a botocore ``before-call`` hook; the poller's receive/delete (the event source mapping) are not."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.aws import clients
from chalicelib.settings import get_settings
from local.pollers import drain
from tests.support.pipeline import outbox

MAX_PER_MAIL = 6


class Requests:
    """Counts ``service Operation`` while switched on."""

    def __init__(self) -> None:
        self.counted: Counter[str] = Counter()
        self.on = False

    def __call__(self, event_name: str, **_: Any) -> None:
        if self.on:
            _, service, operation = event_name.split(".")[:3]
            self.counted[f"{service} {operation}"] += 1

    def during(self, call: Any) -> Any:
        def counted(*args: Any) -> Any:
            self.on = True
            try:
                return call(*args)
            finally:
                self.on = False
        return counted


@pytest.fixture
def requests() -> Iterator[Requests]:
    counter = Requests()
    session = boto3._get_default_session()._session
    session.register("before-call", counter)
    clients.reset()  # clients copy the session's handlers when made
    yield counter
    session.unregister("before-call", counter)
    clients.reset()


def _three_integrations(acme: Any) -> None:
    _, page = acme.call("GET", "/v1/integrations")
    for existing in page["items"]:
        acme.call("DELETE", f"/v1/integrations/{existing['id']}")
    for n in range(3):
        acme.integration(name=f"I{n}", emails=f"i{n}@acme.io", events=["vuln"])


def _vulnerability(n: int) -> dict[str, Any]:
    return {"id": f"v-{n}", "type": "vulnerability.detected", "time": "2026-11-25T09:59:00Z",
            "data": {"risk": "high", "title": f"Finding {n}"}}


def _deliver(requests: Requests, pipeline: Any) -> None:
    drain(get_settings().delivery_queue, requests.during(pipeline.worker), pipeline.jump)


def _platform_event(api: Any, tenant_id: str, event: dict[str, Any]) -> dict[str, Any]:
    return api.client.events.generate_cw_event(
        source="security.platform", detail_type=event["type"], resources=[],
        detail={"tenant_id": tenant_id, "id": event["id"], "time": event["time"], "data": event["data"]})


def _measure(api: Any, acme: Any, requests: Requests, pipeline: Any, send: Any) -> tuple[float, Counter[str]]:
    """Warm the containers' caches with one event (queue URLs, the account's send rate), then count one."""
    _three_integrations(acme)
    for n in range(2):
        requests.counted.clear()
        requests.during(send)(_vulnerability(n))
        _deliver(requests, pipeline)
    mails = [m for m in outbox() if "Finding 1" in m.subject]
    assert sorted(m.to[0] for m in mails) == ["i0@acme.io", "i1@acme.io", "i2@acme.io"]
    return sum(requests.counted.values()) / len(mails), requests.counted


def test_an_event_to_three_integrations_costs_at_most_six_requests_per_mail(api, acme, requests, pipeline):
    def eventbridge(event: dict[str, Any]) -> None:
        api.client.lambda_.invoke("platform_events", _platform_event(api, acme.id, event))

    per_mail, counted = _measure(api, acme, requests, pipeline, eventbridge)
    print(f"EventBridge → 3 mails: {per_mail:.2f} requests per mail: {dict(counted)}")
    assert per_mail <= MAX_PER_MAIL, counted


def test_post_events_costs_at_most_six_requests_per_mail(api, acme, requests, pipeline):
    def post(event: dict[str, Any]) -> None:
        assert acme.call("POST", "/v1/events", {"events": [event]})[0] == 202

    per_mail, counted = _measure(api, acme, requests, pipeline, post)
    print(f"POST /v1/events → 3 mails: {per_mail:.2f} requests per mail: {dict(counted)}")
    # the request's authentication reads the token and the tenant (which ingest then uses): 2 per request
    assert per_mail <= MAX_PER_MAIL, counted
