"""Our SES capacity is not the customer's failure: a burst above the account's send rate drains paced to
``MaxSendRate`` (SES's ``GetSendQuota``) with nothing dead and nobody auto-disabled, throttling that still happens
is retried without counting, and a bad address still counts and still auto-disables. Time is the injected clock."""

import os
from collections import Counter
from typing import Any

import pytest
from moto.ses.models import SESQuota

from chalicelib import clock
from chalicelib.aws import counters_repo, mailer
from chalicelib.settings import get_settings
from tests.support.lambdas import run_health_check
from tests.support.pipeline import outbox

SES_LIMIT = 14  # what SES takes per second before it throttles
# 100 notification mails in one burst: 7 seconds of sending at 14/s (BURST_EVENTS=200: the 2,000)
INTEGRATIONS, EVENTS = 10, int(os.environ.get("BURST_EVENTS", "10"))


class ThrottlingSes:
    """moto's SES that refuses every send over ``limit`` in a second of the injected clock, as SES does."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.per_second: Counter[int] = Counter()
        self.throttled = 0
        self.rejected: set[str] = set()
        self.real = mailer.send_raw

    def send_raw(self, sender: str, recipients: list[str], raw: bytes) -> str:
        second = int(clock.now().timestamp())
        if self.per_second[second] >= self.limit:
            self.throttled += 1
            raise mailer.SendError("Throttling", "Maximum sending rate exceeded.", 400)
        self.per_second[second] += 1
        if set(recipients) & self.rejected:
            raise mailer.SendError("MessageRejected", "Email address is not verified.", 400)
        return self.real(sender, recipients, raw)


@pytest.fixture
def ses(monkeypatch: pytest.MonkeyPatch) -> ThrottlingSes:
    throttling = ThrottlingSes(SES_LIMIT)
    monkeypatch.setattr(mailer, "send_raw", throttling.send_raw)
    monkeypatch.delenv("SES_MAX_SEND_RATE")  # the account's own rate, from GetSendQuota
    monkeypatch.setattr(mailer, "_rate", None)
    get_settings.cache_clear()
    yield throttling
    get_settings.cache_clear()


def quota(monkeypatch: pytest.MonkeyPatch, rate: float) -> None:
    """moto's GetSendQuota answers ``MaxSendRate`` = ``rate``."""
    real = SESQuota.__init__

    def init(self: SESQuota, sent: int) -> None:
        real(self, sent)
        self.max_send_rate = rate

    monkeypatch.setattr(SESQuota, "__init__", init)


def burst(acme: Any, pipeline: Any, bad: str | None = None, events: int = EVENTS,
          count: int = INTEGRATIONS) -> list[dict[str, Any]]:
    """``count`` integrations (one of them ``bad``'s, if given) each get ``events`` notifications at once."""
    _, page = acme.call("GET", "/v1/integrations")
    for existing in page["items"]:
        acme.call("DELETE", f"/v1/integrations/{existing['id']}")
    pipeline.drain()  # the farewell notice
    integrations = [acme.integration(name=f"I{n}", emails=bad if n == 0 and bad else f"i{n}@acme.io",
                                     events=["vuln"]) for n in range(count)]
    batch = [{"id": f"b-{n}", "type": "vulnerability.detected", "time": "2026-11-25T09:59:00Z",
              "data": {"risk": "high", "title": f"Finding {n}"}} for n in range(events)]
    assert acme.call("POST", "/v1/events", {"events": batch})[0] == 202
    pipeline.drain()
    return integrations


def outcome(api: Any, acme: Any, pipeline: Any, integrations: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [d for d in pipeline.deliveries() if d["event_id"].startswith("b-")]
    run_health_check(api, f"check-{clock.now().isoformat()}")
    active = {i["id"]: acme.call("GET", f"/v1/integrations/{i['id']}")[1]["active"] for i in integrations}
    counted = Counter[str]()
    for integration in integrations:
        for _, total, failed in counters_repo.request_buckets(acme.id, integration["id"], clock.now().replace(
                hour=0)):
            counted.update(total=total, failed=failed)
    return {"statuses": Counter(d["status"] for d in rows), "disabled": [i for i, on in active.items() if not on],
            "mails": sum(1 for m in outbox() if "Finding" in m.subject), "counted": counted}


def test_a_burst_drains_at_the_send_rate_with_nothing_dead_or_disabled(api, acme, pipeline, ses, monkeypatch):
    quota(monkeypatch, SES_LIMIT)
    start = clock.now()
    integrations = burst(acme, pipeline)
    figures = outcome(api, acme, pipeline, integrations)
    mails = INTEGRATIONS * EVENTS
    print(f"{mails} mails in {(clock.now() - start).total_seconds():.0f} s of injected time; throttled "
          f"{ses.throttled}; busiest second {max(ses.per_second.values())}; {figures}")
    assert figures["statuses"] == {"sent": mails} and figures["mails"] == mails
    assert figures["disabled"] == []
    assert ses.throttled == 0 and max(ses.per_second.values()) <= SES_LIMIT  # paced, not throttled
    assert (clock.now() - start).total_seconds() >= mails / SES_LIMIT - 2  # it took the time the rate needs


def test_throttling_that_still_happens_is_retried_without_counting(api, acme, pipeline, ses, monkeypatch):
    quota(monkeypatch, 2 * SES_LIMIT)  # SES says 28/s but takes 14: half of each second's sends are throttled
    integrations = burst(acme, pipeline, events=10)
    figures = outcome(api, acme, pipeline, integrations)
    mails = INTEGRATIONS * 10
    print(f"throttled {ses.throttled}; {figures}")
    assert ses.throttled > mails / 4
    assert figures["statuses"] == {"sent": mails} and figures["mails"] == mails and figures["disabled"] == []
    assert figures["counted"] == {"total": mails, "failed": 0}  # the throttled sends are ours, not theirs


def test_a_bad_address_still_counts_and_auto_disables(api, acme, pipeline, ses, monkeypatch):
    quota(monkeypatch, SES_LIMIT)
    ses.rejected.add("bad@acme.io")
    integrations = burst(acme, pipeline, bad="bad@acme.io", events=10, count=4)  # 40 mails: 3 s of sending
    figures = outcome(api, acme, pipeline, integrations)
    print(figures)
    assert figures["disabled"] == [integrations[0]["id"]]
    assert figures["counted"]["failed"] >= 10  # every try of every one of its deliveries
    assert figures["statuses"]["sent"] == (len(integrations) - 1) * 10


def test_throttled_for_a_whole_day_is_dead_without_counting_against_the_integration(api, acme, pipeline,
                                                                                     flaky_ses):
    from chalicelib.delivery.schedule import SENDER_PATIENCE
    from chalicelib.delivery.worker import OUR_CAPACITY

    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    start = clock.now()
    flaky_ses.fail_next(10_000, "Throttling", "Daily message quota exceeded.")
    assert acme.call("POST", "/v1/events", {"events": [{"id": "q-1", "type": "vulnerability.detected",
                                                        "time": "2026-11-25T09:59:00Z",
                                                        "data": {"risk": "high", "title": "Quota"}}]})[0] == 202
    pipeline.drain()
    [entry] = acme.call("GET", f"/v1/integrations/{soc['id']}/deliveries")[1]["items"]
    tries = len(entry["attempts"])
    print(f"{tries} tries over {clock.now() - start}")
    assert entry["status"] == "dead" and entry["reason"] == OUR_CAPACITY and 17 < tries < 80
    assert clock.now() - start >= SENDER_PATIENCE
    run_health_check(api, "quota-check")
    assert acme.call("GET", f"/v1/integrations/{soc['id']}")[1]["active"] is True
    assert counters_repo.request_buckets(acme.id, soc["id"], start) == []  # nothing counted against it
