"""An integration's state and send-request counters, and one with an address SES refuses."""

from datetime import timedelta
from typing import Any

from chalicelib.aws import counters_repo
from tests.support.api import TenantHandle
from tests.support.clock import FrozenClock
from tests.support.pipeline import FlakySes

BAD = "bad@acme.io"
VULN = {"id": "v-1", "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
        "data": {"risk": "high", "title": "SQLi in /login", "host": "api.acme.io"}}


def record_requests(tenant: TenantHandle, integration: dict[str, Any], clock: FrozenClock, ok: int, failed: int,
                    hours_ago: float = 0) -> None:
    counters_repo.count_requests(tenant.id, integration["id"], clock.moment - timedelta(hours=hours_ago),
                                 ok + failed, failed)


def state(tenant: TenantHandle, integration: dict[str, Any]) -> dict[str, Any]:
    return tenant.call("GET", f"/v1/integrations/{integration['id']}")[1]


def soc_with_a_rejected_address(acme: TenantHandle, flaky_ses: FlakySes) -> dict[str, Any]:
    """SOC sends high-risk vulnerabilities (and system notices) to three addresses; SES refuses ``BAD``.
    The default integration is deleted first, so only SOC's mail is in the outbox."""
    default = acme.call("GET", "/v1/integrations")[1]["items"][0]
    assert acme.call("DELETE", f"/v1/integrations/{default['id']}")[0] == 204
    flaky_ses.reject(BAD)
    return acme.integration(name="SOC", emails=f"good@acme.io, {BAD}, other@acme.io",
                            events=["system", "vuln_high"])
