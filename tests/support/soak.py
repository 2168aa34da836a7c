"""Fault-injection soak: events fanned out to 3 integrations each while SES fails 30% of calls and
the worker dies at random points; SQS redelivers what was not deleted. At the end every delivery is
`sent` or `dead`, no address got an email twice (one integration has two addresses, each sent its own
message), every address recorded as sent got exactly one, and the request counters match the recorded
messages.

`make soak` runs 1,000 events (`python -m tests.support.soak 1000`); tests/scenario/test_soak.py runs a small one.
Time is the injected clock: the retry schedule and SQS's visibility timeout pass in simulated time.
"""

import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.aws import clients, counters_repo, deliveries_repo, mailer
from chalicelib.aws.clients import client
from chalicelib.aws.dynamo import scan_all
from chalicelib.delivery import worker
from chalicelib.events import ingest
from chalicelib.integrations import service
from chalicelib.models.integrations import IntegrationCreate
from chalicelib.models.tenants import TenantCreate
from chalicelib.settings import get_settings
from chalicelib.tenants.service import create_tenant
from chalicelib.wiring import stores
from local import outbox
from local.pollers import clock_jumper, drain, poll_once

SES_FAULTS = ("Throttling", "ServiceUnavailable", "ReadTimeoutError", "MessageRejected")
CRASH_POINTS = ("after_claim", "after_send", "after_record", "before_ack")
VISIBILITY_TIMEOUT = timedelta(seconds=180)  # the delivery queue's, from the template


class Crash(BaseException):
    """The worker process dies (not an ``Exception``: nothing in the handler may catch it)."""


@dataclass
class Chaos:
    rng: random.Random
    ses_failure_rate: float = 0.3
    crash_rate: float = 0.02
    faults: Counter[str] = field(default_factory=Counter)
    crashes: Counter[str] = field(default_factory=Counter)
    ses_calls: int = 0

    def maybe_crash(self, point: str) -> None:
        if self.rng.random() < self.crash_rate:
            self.crashes[point] += 1
            raise Crash(point)

    def after(self, point: str, real: Callable[..., Any], crash_if: Callable[[Any], bool] = bool
              ) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            result = real(*args, **kwargs)
            if crash_if(result):
                self.maybe_crash(point)
            return result
        return wrapped

    def ses(self, real: Callable[..., str]) -> Callable[..., str]:
        def send(sender: str, recipients: list[str], raw: bytes) -> str:
            self.ses_calls += 1
            if self.rng.random() < self.ses_failure_rate:
                code = self.rng.choice(SES_FAULTS)
                self.faults[code] += 1
                raise mailer.SendError(code, "injected fault")
            message_id = real(sender, recipients, raw)
            self.maybe_crash("after_send")
            return message_id
        return send


@contextmanager
def chaos_installed(chaos: Chaos) -> Iterator[None]:
    originals = (deliveries_repo.claim, worker.transact_retrying, mailer.send_raw)
    deliveries_repo.claim = chaos.after("after_claim", deliveries_repo.claim, lambda claimed: claimed[0])
    worker.transact_retrying = chaos.after("after_record", worker.transact_retrying, lambda _: True)
    mailer.send_raw = chaos.ses(mailer.send_raw)
    try:
        yield
    finally:
        deliveries_repo.claim, worker.transact_retrying, mailer.send_raw = originals


@dataclass
class SoakClock:
    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


def run(events: int, seed: int = 1, now: datetime | None = None) -> dict[str, Any]:
    """The soak on whatever AWS the clients point at (moto); returns the figures."""
    sim = SoakClock(now or clock.now())
    clock.set_source(sim)
    chaos = Chaos(random.Random(seed))
    tenant = create_tenant(stores(), TenantCreate(name="Soak", primary_email="soak@example.com")).tenant
    for integration in service.page(stores(), tenant.id, 10, None).items:
        service.delete(stores(), tenant.id, integration.id)
    # I0 has two addresses: each gets its own message, and neither may get one twice
    integrations = [service.create(stores(), tenant.id, IntegrationCreate(
        name=f"I{n}", emails=f"i{n}@example.com" + (", i0b@example.com" if n == 0 else ""), events=["vuln"]))
        for n in range(3)]
    already_sent = len(outbox.messages())
    sqs, name = client("sqs"), get_settings().delivery_queue
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    redelivered = Counter[str]()

    def visibility_timeout_passes(messages: list[dict[str, Any]]) -> None:
        redelivered["messages"] += len(messages)
        for message in messages:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        sim.moment += VISIBILITY_TIMEOUT

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        response = worker.handle_batch(event, None)
        chaos.maybe_crash("before_ack")
        return response

    table = deliveries_repo._table()
    def jump_to(moment: datetime) -> None:
        sim.moment = max(sim.moment, moment)

    # events arrive 100 at a time and each hundred is drained before the next: moto's SQS scans its whole queue
    # on every receive, so one queue of 3,000 messages made the run quadratic
    with chaos_installed(chaos):
        for first in range(0, events, 100):
            ingest.ingest(stores(), tenant.id, [{"id": f"soak-{n}", "type": "vulnerability.detected",
                                       "time": sim.moment.isoformat(),
                                       "data": {"risk": "high", "title": f"Finding {n}"}}
                                      for n in range(first, min(events, first + 100))])
            drain(get_settings().route_queue, lambda event: ingest.handle_batch(stores(), event, None), jump_to)
            while True:
                try:
                    if not poll_once(name, invoke, on_undeleted=visibility_timeout_passes,
                                     before_invoke=clock_jumper(jump_to)):
                        break
                except Crash:
                    continue
    rows = [deliveries_repo.get(tenant.id, item["id"]) for item in scan_all(table, ProjectionExpression="id")]
    deliveries = [d for d in rows if d is not None and d.integration_id in {i.id for i in integrations}]
    mails = Counter((m.delivery_id, m.to[0]) for m in outbox.messages()[already_sent:])
    statuses = Counter(d.status for d in deliveries)
    tries = Counter(a.outcome for d in deliveries for a in d.attempts)
    theirs = sum(worker.recipient_side(a) for d in deliveries for a in d.attempts)
    counted = Counter[str]()
    since = sim.moment - timedelta(days=2)
    for integration in integrations:
        for _, total, failed in counters_repo.request_buckets(tenant.id, integration.id, since):
            counted["total"] += total
            counted["failed"] += failed
    return {
        "events": events, "deliveries": len(deliveries), "expected": events * len(integrations),
        "lost": events * len(integrations) - sum(d.status in ("sent", "dead") for d in deliveries),
        "statuses": dict(statuses), "ses_calls": chaos.ses_calls, "ses_faults": dict(chaos.faults),
        "crashes": dict(chaos.crashes), "redelivered_messages": redelivered["messages"],
        "tries": dict(tries), "recipient_side_failures": theirs, "emails": sum(mails.values()),
        "duplicates": sum(n - 1 for n in mails.values() if n > 1),
        "sent_without_email": sum(1 for d in deliveries for address in d.recipients_sent
                                  if mails[(d.id, address)] != 1),
        "sent_incomplete": sum(1 for d in deliveries if d.status == "sent" and len(d.recipients_sent) != (
            2 if d.integration_id == integrations[0].id else 1)),
        "counted_requests": dict(counted),
    }


def check(figures: dict[str, Any]) -> None:
    """What the soak proves; raises AssertionError with the figures otherwise."""
    statuses, tries = figures["statuses"], figures["tries"]
    assert figures["deliveries"] == figures["expected"] and figures["lost"] == 0, figures  # nothing lost
    assert set(statuses) <= {"sent", "dead"}, figures
    assert figures["duplicates"] == 0 and figures["sent_without_email"] == 0, figures
    assert figures["sent_incomplete"] == 0, figures
    # only recipient-side failures count against an integration; our capacity's (throttling, outages) do not
    theirs = figures["recipient_side_failures"]
    assert figures["counted_requests"].get("total", 0) == tries.get("sent", 0) + theirs, figures
    assert figures["counted_requests"].get("failed", 0) == theirs, figures


@contextmanager
def stdout_to(path: str) -> Iterator[None]:
    """Everything written to stdout (the JSON logs, the metrics) goes to ``path`` meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(path, "w") as log:
        os.dup2(log.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def main() -> None:
    from moto import mock_aws

    from local import moto_speed, resources

    events = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    log = os.environ.get("SOAK_LOG", "soak.log")
    os.environ.update({"AWS_ACCESS_KEY_ID": "soak", "AWS_SECRET_ACCESS_KEY": "soak", "OPERATOR_TOKEN": "soak",
                       "AWS_DEFAULT_REGION": "us-east-1", "SQS_MAX_DELAY_SECONDS": "0",
                       "POWERTOOLS_LOG_LEVEL": "CRITICAL", "SES_MAX_SEND_RATE": "1000"})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    moto_speed.install()
    started = time.monotonic()
    with mock_aws(), stdout_to(log):
        clients.reset()
        resources.create_all(get_settings())
        figures = run(events)
    print(f"log: {log}; {time.monotonic() - started:.0f} s")
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(f"SUMMARY lost {figures['lost']}, duplicates {figures['duplicates']}, "
          f"dead {figures['statuses'].get('dead', 0)}, tries {sum(figures['tries'].values())} {figures['tries']}")
    check(figures)
    print("OK: nothing lost, nothing sent twice, counters match the tries")


if __name__ == "__main__":
    main()
