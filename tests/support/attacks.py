"""Past attacks as a ledger: bursts with known times and counts, posted through the API (the backtest tests)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import clock
from tests.support.api import TenantHandle
from tests.support.pipeline import Pipeline


@dataclass(frozen=True)
class Attack:
    at: datetime
    type: str
    host: str
    hits: int
    ip: str


def burst(hour: datetime, count: int, type_: str = "sqli", host: str = "api.acme.io", hits: int = 1,
          ip: str = "203.0.113.7") -> list[Attack]:
    """``count`` attacks spread over the hour (every 7th minute, wrapping), so minute windows hold a few each."""
    return [Attack(hour + timedelta(minutes=(7 * n) % 60, seconds=n), type_, host, hits, ip) for n in range(count)]


def post(tenant: TenantHandle, attacks: list[Attack], pipeline: Pipeline, prefix: str) -> None:
    events = [{"id": f"{prefix}-{n}", "type": "attack.detected", "time": clock.iso(a.at),
               "data": {"type": a.type, "host": a.host, "hits": a.hits, "ip": a.ip}} for n, a in enumerate(attacks)]
    for offset in range(0, len(events), 100):
        status, body = tenant.call("POST", "/v1/events", {"events": events[offset:offset + 100]})
        assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body
    pipeline.drain()
