"""Benchmark: notifications/s through ingest → route → SQS → worker → SES, on in-process moto.

Run with `make bench`. Two runs: SES healthy, and SES failing 30% of calls at random (the retry
schedule runs on the injected clock, so hours of retries take seconds). Prints a Markdown table row
per run and checks that nothing was lost (every delivery ends `sent` or `dead`).
"""

import os
import random
import time
from collections import Counter
from datetime import datetime

import offline

from chalicelib.aws import deliveries_repo, mailer
from chalicelib.aws.dynamo import scan_all
from chalicelib.delivery import worker
from chalicelib.events import ingest
from chalicelib.integrations import service
from chalicelib.models.integrations import IntegrationCreate
from chalicelib.models.tenants import TenantCreate
from chalicelib.settings import get_settings
from chalicelib.tenants.service import create_tenant
from chalicelib.wiring import stores
from local.pollers import drain

EVENTS = int(os.environ.get("BENCH_EVENTS", "200"))
INTEGRATIONS = 3


def run(failure_rate: float) -> dict[str, float]:
    with offline.aws() as fake_clock:
        tenant = create_tenant(stores(), TenantCreate(name="Bench", primary_email="bench@example.com")).tenant
        default = service.page(stores(), tenant.id, 10, None).items[0]
        service.delete(stores(), tenant.id, default.id)
        for n in range(INTEGRATIONS):
            service.create(stores(), tenant.id,
                           IntegrationCreate(name=f"I{n}", emails=f"i{n}@example.com", events=["vuln"]))
        rng = random.Random(7)
        real_send = mailer.send_raw
        calls = Counter()

        def flaky(sender: str, recipients: list[str], raw: bytes) -> str:
            calls["ses"] += 1
            if rng.random() < failure_rate:
                calls["faults"] += 1
                raise mailer.SendError(rng.choice(["Throttling", "ServiceUnavailable", "MessageRejected",
                                                   "ReadTimeoutError"]), "injected")
            return real_send(sender, recipients, raw)

        mailer.send_raw = flaky
        table = deliveries_repo._table()
        started = time.perf_counter()
        for first in range(0, EVENTS, 100):
            batch = [{"id": f"e{n}", "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
                      "data": {"risk": "high", "title": f"Finding {n}"}}
                     for n in range(first, min(EVENTS, first + 100))]
            ingest.ingest(stores(), tenant.id, batch)

        def jump_to(moment: datetime) -> None:
            fake_clock.moment = max(fake_clock.moment, moment)

        drain(get_settings().route_queue, lambda event: ingest.handle_batch(stores(), event, None), jump_to)
        drain(get_settings().delivery_queue, lambda event: worker.handle_batch(event, None), jump_to)
        elapsed = time.perf_counter() - started
        mailer.send_raw = real_send
        statuses = Counter(item["status"] for item in scan_all(table, ProjectionExpression="#s",
                                                                   ExpressionAttributeNames={"#s": "status"}))
        deliveries = sum(statuses.values())
        assert deliveries == EVENTS * INTEGRATIONS + 1, statuses  # + the default integration's farewell notice
        assert statuses["sent"] + statuses["dead"] == deliveries, statuses
        return {"failure_rate": failure_rate, "deliveries": deliveries, "sent": statuses["sent"],
                "dead": statuses["dead"], "ses_calls": calls["ses"], "faults": calls["faults"],
                "seconds": elapsed, "per_second": statuses["sent"] / elapsed}


def main() -> None:
    print("| SES failures | deliveries | sent | dead | lost | SES calls | injected faults | wall s | sent/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for rate in (0.0, 0.3):
        r = run(rate)
        print(f"| {rate:.0%} | {r['deliveries']} | {r['sent']} | {r['dead']} | 0 | {r['ses_calls']} | "
              f"{r['faults']} | {r['seconds']:.1f} | {r['per_second']:.0f} |")


if __name__ == "__main__":
    main()
