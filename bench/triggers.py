"""Benchmark: events/s through ingest with 20 active triggers per tenant, and DynamoDB requests per event.

Run with `make bench`. In-process moto; `attack.detected` events in batches of 100 through `ingest.ingest`
(validate → record once → security store → routing → trigger evaluation). A botocore `before-call` hook counts
every DynamoDB request by operation. Two runs: no triggers (the baseline), then 20 active triggers of which
`MATCHING` count each event. The goal: one counter update per matching trigger per event, and no Scan. Every
event comes from a new IP on a new path (a botnet), so the hour's bounded IP and endpoint names fill up.
"""

import os
import time
from collections import Counter

import boto3
import offline

from chalicelib.aws import clients
from chalicelib.events import ingest
from chalicelib.integrations import service as integrations
from chalicelib.models.tenants import TenantCreate
from chalicelib.models.triggers import TriggerCreate
from chalicelib.tenants.service import create_tenant
from chalicelib.triggers import service as triggers
from chalicelib.wiring import stores

EVENTS = int(os.environ.get("BENCH_EVENTS", "600"))
NEVER = 10**9


def _threshold(metric: str, interval: str, limit: int = NEVER, **filters: object) -> dict[str, object]:
    return {"type": "threshold", "metric": metric, "interval": interval, "threshold": limit, "filters": filters}


# 20 active triggers: 10 count every attack below, 10 do not (other domain or type, incidents, event triggers).
CONDITIONS = [
    _threshold("attacks", "minute", 300), _threshold("attacks", "hour"), _threshold("attacks", "day"),
    _threshold("hits", "minute"), _threshold("hits", "hour"), _threshold("hits", "day"),
    _threshold("attacks", "minute", domain=["api.acme.io", "www.acme.io"]),
    _threshold("attacks", "hour", attack_type={"values": ["xss"], "exclude": True}),
    _threshold("hits", "hour", ip=["10.0.0.0/8"]), _threshold("attacks", "day", application=["shop"]),
    _threshold("attacks", "minute", domain=["other.acme.io"]), _threshold("attacks", "hour", attack_type=["xss"]),
    _threshold("hits", "minute", ip=["192.168.0.0/16"]), _threshold("hits", "day", application=["blog"]),
    _threshold("attacks", "hour", domain={"values": ["api.acme.io"], "exclude": True}),
    _threshold("incidents", "minute"), _threshold("incidents", "hour"), _threshold("incidents", "day"),
    {"type": "api_changed"}, {"type": "user_added"},
]
MATCHING = 10


def run(with_triggers: bool) -> dict[str, object]:
    requests: Counter[str] = Counter()
    with offline.aws() as fake:
        tenant = create_tenant(stores(), TenantCreate(name="Bench", primary_email="bench@example.com")).tenant
        soc = integrations.page(stores(), tenant.id, 10, None).items[0]
        if with_triggers:
            for n, condition in enumerate(CONDITIONS):
                triggers.create(tenant.id, TriggerCreate.model_validate(
                    {"name": f"T{n}", "integration_ids": [soc.id], "condition": condition}))
        boto3._get_default_session().events.register(
            "before-call.dynamodb", lambda model, **_: requests.update([model.name]))
        clients.reset()
        started = time.perf_counter()
        for first in range(0, EVENTS, 100):
            batch = [{"id": f"e{n}", "type": "attack.detected", "time": "2026-11-25T10:00:00Z",
                      "data": {"type": "sqli", "host": "api.acme.io", "hits": 3, "ip": f"10.1.{n // 250}.{n % 250}",
                               "country": "DE", "path": f"/v2/orders/{n}", "blocked": n % 2 == 0,
                               "application": "shop"}} for n in range(first, min(EVENTS, first + 100))]
            results = ingest.ingest(stores(), tenant.id, batch).results
            assert {r.status for r in results} == {"accepted"}
            fake.moment = fake.moment.replace(second=(first // 100) % 60)
        elapsed = time.perf_counter() - started
        boto3._get_default_session().events.unregister("before-call.dynamodb")
    return {"events": EVENTS, "seconds": elapsed, "per_second": EVENTS / elapsed, "requests": requests}


def main() -> None:
    print("| triggers (matching) | events | wall s | events/s | DynamoDB requests/event | by operation, per event |")
    print("|---|---:|---:|---:|---:|---|")
    runs = {}
    for with_triggers in (False, True):
        r = run(with_triggers)
        runs[with_triggers] = r
        requests: Counter[str] = r["requests"]  # type: ignore[assignment]
        per_op = ", ".join(f"{op} {n / EVENTS:.2f}" for op, n in sorted(requests.items()))
        label = f"20 ({MATCHING})" if with_triggers else "0"
        print(f"| {label} | {r['events']} | {r['seconds']:.1f} | {r['per_second']:.0f} | "
              f"{sum(requests.values()) / EVENTS:.2f} | {per_op} |")
    extra = runs[True]["requests"] - runs[False]["requests"]  # type: ignore[operator]
    added = ", ".join(f"{op} {n / EVENTS:.2f}" for op, n in sorted(extra.items()))
    print(f"\nadded by the triggers, per event: {added}")
    assert runs[True]["requests"]["Scan"] == 0, "a Scan on the ingest path"  # type: ignore[index]


if __name__ == "__main__":
    main()
