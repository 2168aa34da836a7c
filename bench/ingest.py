"""Benchmark: one tenant's fan-out against the API and against another tenant's alerts, on the local stack.

Run with `make bench` (or `.venv/bin/python bench/ingest.py`). Starts `python -m local.stack` on free ports, as
`make run` (moto's server and the API in one process, each queue poller and schedule in a process of its own, as
each function is a Lambda of its own on AWS), then over HTTP:

1. ingest latency: tenant Burst has 100 integrations taking system mail; 100 `user.created` events in one
   `POST /v1/events` make 10,000 mails. Goal: the answer in under 2 s (the rest is routed by the route worker).
2. fairness: while that burst drains (SES paced at the local stack's 14 mails/s), tenant Quiet's trigger ("more
   than 1 attack in a minute") fires on two attacks. Goal: its alert is sent within 10 s. Measured `PROBES` times,
   each with a trigger of its own, with the delivery queue's backlog at that moment.
3. duplicates: ten threads post one attack id at once to Quiet, which has a "more than 3 attacks an hour" trigger:
   one `accepted`, nine `duplicate`, and no alert.
"""

import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3

from tests.support.stack_process import HttpApi, local_stack

INTEGRATIONS = int(os.environ.get("BENCH_INTEGRATIONS", "100"))  # the default one and 99 more
EVENTS = int(os.environ.get("BENCH_EVENTS", "100"))
PROBES = int(os.environ.get("BENCH_PROBES", "3"))
PROBE_EVERY = float(os.environ.get("BENCH_PROBE_EVERY", "15"))  # seconds between probes, while the burst drains
SETTLE = float(os.environ.get("BENCH_SETTLE", "5"))  # seconds for an alert, were one due, to go out
OPERATOR = "bench-operator"


class Tenant:
    """A tenant made over HTTP, with its admin token."""

    def __init__(self, api: HttpApi, name: str, email: str) -> None:
        status, body, _ = api.call("POST", "/v1/tenants", {"name": name, "primary_email": email}, token=OPERATOR)
        assert status == 201, body
        self.api, self.id, self.token = api, body["tenant"]["id"], body["admin_token"]
        self.domain = email.partition("@")[2]

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, answer, _ = self.api.call(method, path, body, token=self.token)
        return status, answer

    def integration(self, name: str, address: str, events: list[str]) -> str:
        status, body = self.call("POST", "/v1/integrations", {"name": name, "emails": address, "events": events})
        assert status == 201, body
        return body["id"]

    def trigger(self, name: str, integration_id: str, condition: dict[str, Any]) -> None:
        status, body = self.call("POST", "/v1/triggers", {"name": name, "integration_ids": [integration_id],
                                                          "condition": condition})
        assert status == 201, body


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def backlog(moto_url: str) -> int:
    sqs = boto3.client("sqs", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="bench",
                       aws_secret_access_key="bench")
    url = sqs.get_queue_url(QueueName="email-report-deliveries")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def alerts_sent(quiet: Tenant, integration_id: str) -> list[dict[str, Any]]:
    status, body = quiet.call("GET", f"/v1/integrations/{integration_id}/deliveries?limit=100")
    assert status == 200, body
    return [item for item in body["items"] if item["kind"] == "alert" and item["status"] == "sent"]


def probe(quiet: Tenant, soc: str, number: int, moto_url: str) -> tuple[float, int]:
    """Seconds from Quiet's two attacks to its alert being sent, and the delivery backlog when they came."""
    quiet.trigger(f"Probe {number}", soc, {"type": "threshold", "metric": "attacks", "interval": "minute",
                                            "threshold": 1})
    before, queued = len(alerts_sent(quiet, soc)), backlog(moto_url)
    attacks = [{"id": f"probe-{number}-{n}", "type": "attack.detected", "time": now_iso(),
                "data": {"type": "sqli", "host": f"api.{quiet.domain}"}} for n in range(2)]
    start = time.monotonic()
    status, body = quiet.call("POST", "/v1/events", {"events": attacks})
    assert status == 202, body
    print(f"  (Quiet's POST answered in {time.monotonic() - start:.2f} s)")
    while len(alerts_sent(quiet, soc)) == before:
        if time.monotonic() - start > 120:
            raise AssertionError("no alert after 120 s")
        time.sleep(0.1)
    return time.monotonic() - start, queued


def duplicates(api: HttpApi, quiet: Tenant, soc: str) -> tuple[dict[str, int], int]:
    """Ten posts of one attack id at once: their statuses, and the alerts a "more than 3" trigger sent."""
    quiet.trigger("More than 3", soc, {"type": "threshold", "metric": "attacks", "interval": "hour", "threshold": 3})
    sent = len(alerts_sent(quiet, soc))
    event = {"id": "same-attack", "type": "attack.detected", "time": now_iso(),
             "data": {"type": "xss", "host": f"www.{quiet.domain}"}}
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: quiet.call("POST", "/v1/events", {"events": [event]}), range(10)))
    statuses: dict[str, int] = {}
    for status, body in answers:
        assert status == 202, body
        statuses[body["results"][0]["status"]] = statuses.get(body["results"][0]["status"], 0) + 1
    time.sleep(SETTLE)
    return statuses, len(alerts_sent(quiet, soc)) - sent


def main() -> None:
    with tempfile.TemporaryDirectory() as work, \
            local_stack(Path(work) / "stack.log", OPERATOR_TOKEN=OPERATOR, POWERTOOLS_LOG_LEVEL="ERROR",
                        DEMO_DATA="false") as stack:  # no demo data being seeded meanwhile
        api = HttpApi(stack.api_url)
        burst, quiet = Tenant(api, "Burst", "sec@burst.example"), Tenant(api, "Quiet", "sec@quiet.example")
        for n in range(INTEGRATIONS - 1):
            burst.integration(f"Team {n}", f"team{n}@burst.example", ["system"])
        soc = quiet.integration("SOC", "soc@quiet.example", ["vuln"])

        start = time.monotonic()
        for _ in range(10):
            burst.call("GET", "/v1/tenant")
        print(f"calibration: GET /v1/tenant takes {(time.monotonic() - start) / 10 * 1000:.0f} ms "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        events = [{"id": f"user-{n}", "type": "user.created", "time": now_iso(),
                   "data": {"email": f"new{n}@burst.example"}} for n in range(EVENTS)]
        start = time.monotonic()
        status, body = burst.call("POST", "/v1/events", {"events": events})
        answered = time.monotonic() - start
        assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body
        print(f"ingest: {EVENTS} events x {INTEGRATIONS} integrations = {EVENTS * INTEGRATIONS} mails, "
              f"answered in {answered:.2f} s (goal < 2 s)")

        latencies = []
        for number in range(PROBES):
            time.sleep(PROBE_EVERY)
            seconds, queued = probe(quiet, soc, number, stack.values["MOTO_URL"])
            latencies.append(seconds)
            print(f"fairness probe {number + 1}: Quiet's alert sent {seconds:.2f} s after its attacks, with "
                  f"{queued} of Burst's mails queued before it (goal < 10 s; load average {os.getloadavg()[0]:.1f})")
        print(f"fairness: max {max(latencies):.2f} s, median {statistics.median(latencies):.2f} s; "
              f"Burst's backlog now {backlog(stack.values['MOTO_URL'])} (load average {os.getloadavg()[0]:.1f})")

        statuses, alerts = duplicates(api, quiet, soc)
        print(f"duplicates: ten parallel posts of one id → {statuses}; alerts from 'more than 3': {alerts}")


if __name__ == "__main__":
    main()
