"""A threshold alert's every figure, on the injected clock: the headline's type and host come from the same traffic,
the count and each breakdown describe exactly the events that fired the window, windows count by event time, and
"any" (threshold 0) fires at the first event."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import clock
from tests.support.api import Api, TenantHandle
from tests.support.clock import FrozenClock
from tests.support.pipeline import Pipeline, outbox

_ids = iter(range(10**6))


def trigger(tenant: TenantHandle, integration_id: str, n: int, metric: str = "attacks", interval: str = "hour",
            **filters: Any) -> dict[str, Any]:
    status, body = tenant.call("POST", "/v1/triggers", {
        "name": "Watch", "integration_ids": [integration_id],
        "condition": {"type": "threshold", "metric": metric, "interval": interval, "threshold": n,
                      "filters": filters}})
    assert status == 201, body
    return body


def post(tenant: TenantHandle, count: int, kind: str = "attack.detected", at: datetime | None = None,
         **data: Any) -> None:
    """``count`` events of ``kind`` stamped ``at`` (default: now); attacks default to blocked SQL injection."""
    defaults = {"type": "sqli", "host": "pay.kaitopay.example", "blocked": True} if kind == "attack.detected" else {}
    events = [{"id": f"f-{next(_ids)}", "type": kind, "time": clock.iso(at or clock.now()),
               "data": {**defaults, **data}} for _ in range(count)]
    for first in range(0, len(events), 100):
        status, body = tenant.call("POST", "/v1/events", {"events": events[first:first + 100]})
        assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body


def alerts() -> list[str]:
    return [mail.text.replace("\r\n", "\n") for mail in outbox() if "Trigger “" in mail.subject]


@pytest.fixture
def soc(acme: TenantHandle) -> str:
    return str(acme.integration(name="SOC", emails="soc@acme.io")["id"])


# --- 1. the headline's type and host come from the same traffic -----------------------------------------------


def test_the_headline_pairs_the_top_type_with_the_host_it_hit(acme: TenantHandle, soc: str,
                                                              pipeline: Pipeline) -> None:
    # GIVEN path traversal only on the admin host, while the pay host takes the most attacks of several types
    trigger(acme, soc, 26)
    post(acme, 12, type="ptrav", host="admin.kaitopay.example:8443")
    post(acme, 8, type="sqli")
    post(acme, 7, type="xss")
    pipeline.drain()
    [text] = alerts()
    # THEN the headline names path traversal on the host it hit, never on the busiest host
    assert "more than 26 attacks in one hour — Path traversal on admin.kaitopay.example:8443\n" in text
    assert "Path traversal on pay.kaitopay.example" not in text
    assert "Top attack types by host:\n  Path traversal on admin.kaitopay.example:8443: 12 attacks\n" in text
    assert "Top hosts:\n  pay.kaitopay.example: 15 attacks\n  admin.kaitopay.example:8443: 12 attacks\n" in text


def test_tied_leaders_are_all_named(acme: TenantHandle, soc: str, pipeline: Pipeline) -> None:
    trigger(acme, soc, 7)
    post(acme, 4, type="sqli", host="a.example")
    post(acme, 4, type="ptrav", host="b.example")
    pipeline.drain()
    [text] = alerts()
    assert "— Path traversal on b.example and SQL injection on a.example, 4 attacks each\n" in text


def test_a_top_list_never_hides_a_tie_at_its_end(acme: TenantHandle, soc: str, pipeline: Pipeline) -> None:
    trigger(acme, soc, 7)
    post(acme, 1, host="a.example")
    for n in range(7):
        post(acme, 1, host=f"h{n}.example", ip=f"192.0.2.{n + 1}")
    pipeline.drain()
    [text] = alerts()
    assert "  … and 3 more with as many: 1 attack each\n" in text  # eight hosts with one attack each, five shown


def test_an_incident_alert_pairs_type_and_host_of_the_same_incidents(acme: TenantHandle, soc: str,
                                                                     pipeline: Pipeline) -> None:
    trigger(acme, soc, 2, metric="incidents", interval="day")
    post(acme, 2, "incident.detected", title="Breach", host="pay.kaitopay.example", attack_type="sqli")
    post(acme, 1, "incident.detected", title="RCE", host="admin.kaitopay.example", attack_type="rce")
    pipeline.drain()
    [text] = alerts()
    assert "more than 2 incidents in one day — SQL injection on pay.kaitopay.example\n" in text
    assert "Count: 3 (when it fired)" in text and "Blocked" not in text


# --- 2. the count and every breakdown describe the same events -------------------------------------------------


def test_blocking_and_advice_follow_the_events_that_fired(acme: TenantHandle, soc: str, pipeline: Pipeline,
                                                          frozen_clock: FrozenClock) -> None:
    # GIVEN monitored attacks earlier in the hour, outside the minute window that fires
    trigger(acme, soc, 26, interval="minute")
    post(acme, 20, blocked=False, host="other.example")  # not above 26: fires nothing
    frozen_clock.advance(minutes=1)
    # WHEN 27 blocked attacks fire the next minute's window, and monitored ones follow in it
    post(acme, 27, hits=2)
    post(acme, 20, blocked=False)
    pipeline.drain()
    [text] = alerts()
    # THEN every figure is of those 27
    assert "Count: 27 (when it fired)\nHits: 54\n" in text
    assert "Blocked: all 27 attacks blocked\n" in text and "only monitored" not in text
    assert "other.example" not in text
    assert "Top attack types:\n  SQL injection (CWE-89 · A03:2021 Injection): 27 attacks\n" in text


def test_a_hits_alert_breaks_down_the_hits_it_counted(acme: TenantHandle, soc: str, pipeline: Pipeline) -> None:
    trigger(acme, soc, 5000, metric="hits")
    post(acme, 1, hits=1500, type="xss", blocked=False)
    post(acme, 3, hits=1250, type="sqli", ip="203.0.113.9", country="JP")
    pipeline.drain()
    [text] = alerts()
    assert "Count: 5,250 (when it fired)\nAttacks: 4 (5,250 hits)\n" in text
    assert "  SQL injection (CWE-89 · A03:2021 Injection): 3,750 hits\n" in text
    assert "  Cross-site scripting (CWE-79 · A03:2021 Injection): 1,500 hits\n" in text
    assert "Top source IPs:\n  203.0.113.9 (Japan (JP)): 3,750 hits\n" in text
    assert "Blocked: 3 of 4 attacks blocked, 1 only monitored" in text and "consider blocking mode" in text


def test_a_filtered_alert_counts_blocking_of_its_own_events(acme: TenantHandle, soc: str,
                                                            pipeline: Pipeline) -> None:
    trigger(acme, soc, 2, domain=["api.acme.io"])
    post(acme, 10, host="www.acme.io", blocked=False)
    post(acme, 3, host="api.acme.io")
    pipeline.drain()
    [text] = alerts()
    assert "Blocked: all 3 attacks blocked" in text and "www.acme.io" not in text


def test_an_alert_of_monitored_attacks_only_says_none_was_blocked(acme: TenantHandle, soc: str,
                                                                 pipeline: Pipeline) -> None:
    trigger(acme, soc, 1)
    post(acme, 2, blocked=False)
    pipeline.drain()
    [text] = alerts()
    assert "Blocked: none of 2 attacks: all only monitored\n" in text and "consider blocking mode" in text


def test_a_window_past_its_details_limit_says_which_events_the_breakdown_covers(
        acme: TenantHandle, soc: str, pipeline: Pipeline) -> None:
    trigger(acme, soc, 250)
    post(acme, 251)
    pipeline.drain()
    [text] = alerts()
    assert "Count: 251 (when it fired)" in text
    assert "Breakdown: the first 200 attacks of 251 (200 attacks)" in text and "Blocked: all 200 attacks" in text
    assert "SQL injection on pay.kaitopay.example: 200 attacks" in text


# --- 3. windows count by event time ------------------------------------------------------------------------------


def test_a_backfill_of_last_month_fires_nothing_now(acme: TenantHandle, soc: str, pipeline: Pipeline) -> None:
    trigger(acme, soc, 1, interval="hour")
    trigger(acme, soc, 0, metric="incidents", interval="day")
    month_ago = clock.now() - timedelta(days=30)
    post(acme, 21, at=month_ago)
    post(acme, 2, "incident.detected", at=month_ago + timedelta(hours=3), title="Old", host="pay.kaitopay.example")
    pipeline.drain()
    assert alerts() == []


def test_a_slightly_late_event_counts_in_its_own_window(acme: TenantHandle, soc: str, pipeline: Pipeline,
                                                        frozen_clock: FrozenClock) -> None:
    # GIVEN two attacks in the 10:00 minute, and a third of that minute arriving at 10:03 (within the grace)
    trigger(acme, soc, 2, interval="minute")
    frozen_clock.moment = datetime(2026, 11, 25, 10, 0, 30, tzinfo=UTC)
    post(acme, 2)
    frozen_clock.moment = datetime(2026, 11, 25, 10, 3, tzinfo=UTC)
    post(acme, 1, at=datetime(2026, 11, 25, 10, 0, 50, tzinfo=UTC), host="late.example")
    post(acme, 2)  # the 10:03 window has two: not above two
    pipeline.drain()
    [text] = alerts()
    assert "Window: 2026-11-25 10:00 – 10:01 (UTC)" in text and "late.example: 1 attack" in text


def test_an_event_later_than_its_window_and_the_grace_counts_nowhere(acme: TenantHandle, soc: str,
                                                                   pipeline: Pipeline,
                                                                   frozen_clock: FrozenClock) -> None:
    trigger(acme, soc, 2, interval="hour")
    frozen_clock.moment = datetime(2026, 11, 25, 11, 5, 1, tzinfo=UTC)  # 10:00's window closed 5 min 1 s ago
    post(acme, 3, at=datetime(2026, 11, 25, 10, 59, tzinfo=UTC))
    post(acme, 2)
    pipeline.drain()
    assert alerts() == []


def test_an_event_stamped_ahead_of_its_receipt_counts_when_received(acme: TenantHandle, soc: str,
                                                                    pipeline: Pipeline) -> None:
    trigger(acme, soc, 1, interval="minute")
    post(acme, 1)
    post(acme, 1, at=clock.now() + timedelta(seconds=20))  # a producer's clock a little ahead of ours
    pipeline.drain()
    [text] = alerts()
    assert "Window: 2026-11-25 10:00 – 10:01 (UTC)" in text


# --- 5. threshold 0: any -----------------------------------------------------------------------------------------


def test_any_incident_reaches_the_soc_at_the_first_incident(api: Api, pipeline: Pipeline) -> None:
    tenant = api.tenant("Kaito", "sec@kaito.example", timezone="Asia/Tokyo")
    soc = str(tenant.integration(name="SOC", emails="soc@kaito.example", events=["system"])["id"])
    trigger(tenant, soc, 0, metric="incidents", interval="day")
    post(tenant, 1, "incident.detected", title="Card data exfiltration", risk="high", host="pay.kaitopay.example",
         attack_type="sqli")
    pipeline.drain()  # the alert goes out at once: no grouping wait for a threshold trigger
    [text] = alerts()
    assert "Trigger “Watch”: any incident in one day — SQL injection on pay.kaitopay.example\n" in text
    assert "Count: 1 (when it fired)\nThreshold: any incident\n" in text
    post(tenant, 1, "incident.detected", title="Second")
    pipeline.drain()
    assert len(alerts()) == 1  # once per window, as every threshold


@pytest.mark.parametrize("metric", ["attacks", "hits"])
def test_any_attack_or_hit_fires_at_the_first(acme: TenantHandle, soc: str, pipeline: Pipeline,
                                              metric: str) -> None:
    trigger(acme, soc, 0, metric=metric, interval="minute")
    post(acme, 1)
    pipeline.drain()
    [text] = alerts()
    assert f"any {metric[:-1]} in one minute" in text


def test_more_than_one_is_singular(acme: TenantHandle, soc: str, pipeline: Pipeline) -> None:
    trigger(acme, soc, 1, metric="incidents", interval="day")
    post(acme, 2, "incident.detected", title="Breach")
    pipeline.drain()
    [text] = alerts()
    assert "more than 1 incident in one day\n" in text and "1 incidents" not in text  # naming no type or host
    assert "Unknown type (host not given): 2 incidents" in text


def test_a_negative_threshold_is_refused_and_terraform_takes_zero(acme: TenantHandle, soc: str) -> None:
    status, body = acme.call("POST", "/v1/triggers", {"name": "Bad", "integration_ids": [soc], "condition": {
        "type": "threshold", "metric": "incidents", "interval": "day", "threshold": -1}})
    assert status == 422 and "threshold" in str(body)
    status, body = acme.call("POST", "/v1/triggers", {
        "template_id": "incidents_exceeded", "threshold": {"period": 3600, "operator": "gt", "count": 0},
        "actions": [{"action_id": "send_notification", "integration_id": [soc]}]})
    assert status == 201 and body["condition"]["threshold"] == 0
