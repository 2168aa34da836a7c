"""Auto-disable at 60% failed send requests over 12 hours, the 40% warning, and the system notices."""


import pytest

from tests.support.integrations import record_requests, state
from tests.support.lambdas import run_health_check
from tests.support.pipeline import outbox


@pytest.mark.parametrize(("ok", "failed", "disabled"), [(401, 599, False), (4, 6, True), (0, 9, False)])
def test_boundary(api, acme, frozen_clock, ok, failed, disabled):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    record_requests(acme, soc, frozen_clock, ok, failed, hours_ago=1)
    run_health_check(api)
    assert state(acme, soc)["active"] is not disabled


def test_auto_disable_notifies_system_subscribers_once(api, acme, pipeline, frozen_clock):
    # GIVEN an integration subscribed to system whose sends failed 6 of 10 times in the last 12 hours
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["system"])
    record_requests(acme, soc, frozen_clock, ok=4, failed=6, hours_ago=11)
    # WHEN the scheduled check runs, twice (and once more as a redelivered event)
    outcome = run_health_check(api, "evt-1")
    run_health_check(api, "evt-2")
    run_health_check(api, "evt-1")
    pipeline.drain()
    # THEN it is disabled with the figures, and each system subscriber (itself included) is told once
    body = state(acme, soc)
    assert outcome["disabled"] == 1
    assert body["active"] is False
    assert body["disabled_reason"] == "auto-disabled: 60% of send requests failed in the last 12 hours (6 of 10)"
    notices = sorted((m.to[0], m.subject) for m in outbox())
    subject = "[Action needed] Integration disabled automatically: SOC"
    assert notices == [("sec@acme.io", subject), ("soc@acme.io", subject)]
    text = next(m.text for m in outbox())
    assert "auto-disabled: 60%" in text and "Run Test integration" in text and "Enable the integration." in text


def test_requests_older_than_12_hours_do_not_count(api, acme, frozen_clock):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["system"])
    record_requests(acme, soc, frozen_clock, ok=0, failed=50, hours_ago=13)
    record_requests(acme, soc, frozen_clock, ok=10, failed=0)
    run_health_check(api)
    assert state(acme, soc)["active"] is True


def test_warning_at_40_percent_once_per_12_hours(api, acme, pipeline, frozen_clock):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    record_requests(acme, soc, frozen_clock, ok=6, failed=4)
    run_health_check(api, "a")
    run_health_check(api, "b")
    frozen_clock.advance(hours=1)
    run_health_check(api, "c")
    pipeline.drain()
    warnings = [m for m in outbox() if m.subject == "Integration failing: SOC"]
    assert [m.to for m in warnings] == [["sec@acme.io"]]
    assert "40% of send requests failed" in warnings[0].text and "Run Test integration" in warnings[0].text
    assert state(acme, soc)["active"] is True


def test_real_failed_sends_count_and_test_sends_do_not(api, acme, pipeline, flaky_ses, monkeypatch):
    # GIVEN SES refuses everything, and the tenant ran Test integration several times
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    flaky_ses.fail_next(1000, "MessageRejected", "Email address is not verified.")
    for _ in range(3):
        assert acme.call("POST", f"/v1/integrations/{soc['id']}/test")[0] == 200
    run_health_check(api, "before")
    assert state(acme, soc)["active"] is True  # test sends are not counted
    # WHEN real deliveries fail (every try counts as one request)
    acme.call("POST", "/v1/events", {"events": [{"id": "v1", "type": "vulnerability.detected",
                                                 "time": "2026-11-25T10:00:00Z",
                                                 "data": {"risk": "high", "title": "x"}}]})
    pipeline.drain()
    run_health_check(api, "after")
    # THEN the integration is auto-disabled
    assert state(acme, soc)["active"] is False
