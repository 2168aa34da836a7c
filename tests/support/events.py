"""Events posted through the API, and the triggers that watch them."""

from typing import Any

from chalicelib import clock
from tests.support.api import TenantHandle

# a notification's fields that fill every part of its subject
ORDERS = {"risk": "high", "title": "SQLi in the orders API", "host": "api.acme.io", "path": "/v2/orders",
          "method": "get", "parameter": "order_id", "type": "sqli", "id": "v-42",
          "link": "https://platform.example/vulnerabilities/v-42"}


def post_events(tenant: TenantHandle, *events: dict[str, Any]) -> list[dict[str, Any]]:
    status, body = tenant.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202, body
    return body["results"]


def trigger(tenant: TenantHandle, integration_ids: list[str], condition: dict[str, Any]) -> dict[str, Any]:
    status, body = tenant.call("POST", "/v1/triggers", {"name": "Watch", "integration_ids": integration_ids,
                                                        "condition": condition})
    assert status == 201, body
    return body


def threshold(n: int, metric: str = "attacks", interval: str = "minute", **filters: Any) -> dict[str, Any]:
    return {"type": "threshold", "metric": metric, "interval": interval, "threshold": n, "filters": filters}


_ids = iter(range(10**6))


def attacks(tenant: TenantHandle, count: int, **data: Any) -> None:
    # stamped now: windows count by the event's own time (a late one beyond its window and the grace counts nowhere)
    events = [{"id": f"a-{next(_ids)}", "type": "attack.detected", "time": clock.iso(clock.now()),
               "data": {"type": "sqli", "host": "api.acme.io", **data}} for _ in range(count)]
    status, body = tenant.call("POST", "/v1/events", {"events": events})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body
