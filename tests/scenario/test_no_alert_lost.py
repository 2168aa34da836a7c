"""No alert lost while fixing a failure: each recipient's outcome is its own, redrive is never a dead end,
enabling starts a fresh failure window, the state shows "failing" at once, and a disabled integration's
events leave a skipped row. Scenario tests on the injected clock, SES refusing one address."""

import json
from datetime import timedelta
from typing import Any

from chalicelib.aws import counters_repo, deliveries_repo
from chalicelib.delivery import worker
from chalicelib.integrations.health import Ratio, summarise, window_ratio
from chalicelib.models.deliveries import Attempt, Delivery
from chalicelib.settings import get_settings
from chalicelib.stores.deliveries import Outcome
from chalicelib.wiring import stores
from local.pollers import poll_once
from tests.support.checks import assert_error, scan
from tests.support.integrations import BAD, VULN, soc_with_a_rejected_address, state
from tests.support.lambdas import run_health_check
from tests.support.pipeline import outbox


def received(address: str, subject_part: str = "SQLi in /login") -> int:
    return sum(1 for mail in outbox() if mail.to == [address] and subject_part in mail.subject)


def log(acme: Any, integration: dict[str, Any], **query: str) -> list[dict[str, Any]]:
    path = f"/v1/integrations/{integration['id']}/deliveries"
    status, body = acme.call("GET", path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""))
    assert status == 200, body
    return body["items"]


def vulnerability_delivery(acme: Any, integration: dict[str, Any]) -> dict[str, Any]:
    return next(d for d in log(acme, integration) if d["event_id"] == "v-1")


def test_a_rejected_address_never_stops_the_others_and_only_it_is_retried(acme, pipeline, flaky_ses):
    # GIVEN SOC with three addresses, of which SES refuses bad@
    soc = soc_with_a_rejected_address(acme, flaky_ses)
    pipeline.drain()
    assert acme.call("GET", f"/v1/integrations/{soc['id']}")[1]["health"] == "ok"
    # WHEN a high-risk vulnerability arrives and its first try runs
    acme.call("POST", "/v1/events", {"events": [VULN]})
    poll_once(get_settings().delivery_queue, pipeline.worker)
    # THEN the two good addresses have it, each in a message of its own; bad@ is pending, named with SES's error
    assert (received("good@acme.io"), received("other@acme.io"), received(BAD)) == (1, 1, 0)
    first = vulnerability_delivery(acme, soc)
    assert first["status"] == "retrying"
    assert first["recipients_sent"] == ["good@acme.io", "other@acme.io"] and first["recipients_pending"] == [BAD]
    assert [(a["recipient"], a["outcome"]) for a in first["attempts"]] == [
        ("good@acme.io", "sent"), (BAD, "failed"), ("other@acme.io", "sent")]
    assert first["attempts"][1]["error_code"] == "MessageRejected" and BAD in first["attempts"][1]["error"]
    assert first["last_error"].endswith(f"— {BAD}")
    # AND the integration shows "failing" at once, naming the address
    shown = acme.call("GET", f"/v1/integrations/{soc['id']}")[1]
    assert shown["active"] is True and shown["health"] == "failing" and BAD in shown["health_detail"]
    # WHEN SQS redelivers the first try's message, and then the schedule runs out
    body = {"tenant_id": acme.id, "delivery_id": first["id"], "try": 1, "due": first["created_at"]}
    worker.process(stores(), body)
    pipeline.drain()
    # THEN nobody got it twice, only bad@ was retried (17 tries), and the delivery is dead naming it
    assert (received("good@acme.io"), received("other@acme.io"), received(BAD)) == (1, 1, 0)
    dead = vulnerability_delivery(acme, soc)
    assert dead["status"] == "dead" and dead["recipients_pending"] == [BAD]
    retried = [a["recipient"] for a in dead["attempts"] if a["number"] > 1]
    assert retried == [BAD] * 16
    # AND every message counts as one send request: 2 sent + 17 refused
    [(_, total, failed)] = counters_repo.request_buckets(acme.id, soc["id"], pipeline.clock.moment - timedelta(hours=2))
    assert (total, failed) == (19, 17)


def test_test_integration_names_the_refused_address_and_still_sends_to_the_others(acme, flaky_ses):
    soc = soc_with_a_rejected_address(acme, flaky_ses)

    status, result = acme.call("POST", f"/v1/integrations/{soc['id']}/test")

    assert status == 200 and result["ok"] is False
    step = next(s for s in result["steps"] if s["step"] == "send_vuln_high")
    assert step["ok"] is False and len(step["message_ids"]) == 2
    assert step["detail"].startswith("sent to good@acme.io, other@acme.io; SES refused the message to bad@acme.io: "
                                     "MessageRejected: Email address is not verified.")
    assert received("good@acme.io", "[Test message]") == 2 and received(BAD, "[Test message]") == 0


def test_the_auto_disable_notice_names_the_error_the_address_and_the_dead_letters(api, acme, pipeline, flaky_ses):
    # GIVEN a dead-lettered vulnerability alert: 17 of 19 send requests failed, all for bad@
    soc = soc_with_a_rejected_address(acme, flaky_ses)
    acme.call("POST", "/v1/events", {"events": [VULN]})
    pipeline.drain()
    # WHEN the health check runs
    assert run_health_check(api)["disabled"] == 1
    pipeline.drain()
    # THEN the integration.disabled event says it was automatic, with the error, the address and the dead letter
    [event] = [event for event in map(json.loads, (row["event"] for row in scan("events_table")))
                if event["type"] == "integration.disabled"]
    data = event["data"]
    assert data["mode"] == "automatic" and data["integration_id"] == soc["id"]
    assert data["reason"].startswith("auto-disabled: 89% of send requests failed")
    assert data["error"].startswith("MessageRejected: Email address is not verified.") and BAD in data["error"]
    assert data["failing_addresses"] == [BAD] and data["dead_lettered"] == 1
    # AND the notice reached the good addresses of the integration itself
    notice = next(d for d in log(acme, soc) if d["event_type"] == "integration.disabled")
    assert notice["recipients_sent"] == ["good@acme.io", "other@acme.io"] and notice["recipients_pending"] == [BAD]
    assert acme.call("GET", f"/v1/integrations/{soc['id']}")[1]["health"] == "disabled"
    # AND the mail they read says so, naming the error, the address, the dead letter and what to do
    [mail] = [m for m in outbox() if m.to == ["good@acme.io"] and "disabled automatically" in m.subject]
    assert mail.subject == "[Action needed] Integration disabled automatically: SOC"
    for text in (mail.text, mail.html):
        assert BAD in text and "Email address is not verified." in text and "Test integration" in text
    assert "Dead-lettered deliveries: 1" in mail.text


def test_a_manual_disable_notice_says_manual(acme, pipeline):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["system"])
    acme.call("POST", f"/v1/integrations/{soc['id']}/disable")
    [event] = [event for event in map(json.loads, (row["event"] for row in scan("events_table")))
                if event["type"] == "integration.disabled"]
    assert event["data"] == {"integration_id": soc["id"], "name": "SOC", "reason": "manual", "mode": "manual"}


def test_redrive_while_disabled_is_refused_then_after_the_fix_reaches_only_who_lacks_it(api, acme, pipeline,
                                                                                       flaky_ses, frozen_clock):
    # GIVEN the vulnerability alert dead-lettered for bad@ and the integration auto-disabled
    soc = soc_with_a_rejected_address(acme, flaky_ses)
    acme.call("POST", "/v1/events", {"events": [VULN]})
    pipeline.drain()
    run_health_check(api, "check-1")
    dead = vulnerability_delivery(acme, soc)
    # WHEN it is redriven while the integration is disabled
    error = assert_error(acme.call("POST", f"/v1/deliveries/{dead['id']}/redrive"), 409, "conflict")
    # THEN the redrive is refused with what to do, and the dead letter is left as it was (still redrivable)
    assert "enable the integration first" in error["message"] and "auto-disabled" in error["message"]
    assert vulnerability_delivery(acme, soc)["status"] == "dead"
    # WHEN the admin replaces the bad address, Test passes, the integration is enabled and the alert redriven
    frozen_clock.advance(minutes=10)
    acme.call("PATCH", f"/v1/integrations/{soc['id']}", {"emails": "good@acme.io, other@acme.io, fixed@acme.io"})
    assert acme.call("POST", f"/v1/integrations/{soc['id']}/test")[1]["can_enable"] is True
    assert acme.call("POST", f"/v1/integrations/{soc['id']}/enable")[1]["active"] is True
    status, body = acme.call("POST", f"/v1/deliveries/{dead['id']}/redrive")
    assert status == 200 and body["status"] == "queued"
    pipeline.drain()
    # THEN only the corrected address gets it now; the others are not sent it a second time
    sent = vulnerability_delivery(acme, soc)
    assert sent["status"] == "sent" and sent["recipients_pending"] == []
    assert sent["recipients_sent"] == ["good@acme.io", "other@acme.io", "fixed@acme.io"]
    assert (received("good@acme.io"), received("other@acme.io"), received("fixed@acme.io")) == (1, 1, 1)
    # AND redriving a sent delivery is a conflict
    assert_error(acme.call("POST", f"/v1/deliveries/{dead['id']}/redrive"), 409, "conflict")


def test_enabling_starts_a_fresh_failure_window(api, acme, pipeline, flaky_ses, frozen_clock):
    # GIVEN SOC auto-disabled by the failures of the last hour
    soc = soc_with_a_rejected_address(acme, flaky_ses)
    acme.call("POST", "/v1/events", {"events": [VULN]})
    pipeline.drain()
    run_health_check(api, "check-1")
    assert state(acme, soc)["active"] is False
    # WHEN the address is fixed and the integration enabled, in the same hour as the failures
    frozen_clock.advance(minutes=5)
    acme.call("PATCH", f"/v1/integrations/{soc['id']}", {"emails": "good@acme.io, other@acme.io"})
    enabled = acme.call("POST", f"/v1/integrations/{soc['id']}/enable")[1]
    assert enabled["failure_window_start"] == frozen_clock.moment.isoformat().replace("+00:00", "Z")
    # THEN the next health checks leave it enabled: the old failures are not in its window any more
    frozen_clock.advance(minutes=5)
    assert run_health_check(api, "check-2")["disabled"] == 0
    assert state(acme, soc)["active"] is True and state(acme, soc)["health"] == "ok"
    # AND new failures after the enable still disable it
    counters_repo.count_requests(acme.id, soc["id"], frozen_clock.moment, 10, 9)
    frozen_clock.advance(minutes=5)
    assert run_health_check(api, "check-3")["disabled"] == 1
    reason = state(acme, soc)["disabled_reason"]
    assert reason.startswith("auto-disabled: 90% of send requests failed since 2026-11-25 ")
    assert reason.endswith("(9 of 10)")


def test_new_addresses_on_an_active_integration_start_a_fresh_failure_window_too(api, acme, pipeline, flaky_ses,
                                                                                frozen_clock):
    # GIVEN SOC still active after 17 of 19 send requests failed, all for bad@
    soc = soc_with_a_rejected_address(acme, flaky_ses)
    acme.call("POST", "/v1/events", {"events": [VULN]})
    pipeline.drain()
    # WHEN the admin removes bad@ before the health check runs, and later renames it
    frozen_clock.advance(minutes=2)
    fixed = acme.call("PATCH", f"/v1/integrations/{soc['id']}", {"emails": "good@acme.io, other@acme.io"})[1]
    frozen_clock.advance(minutes=2)
    renamed = acme.call("PATCH", f"/v1/integrations/{soc['id']}", {"name": "SOC team"})[1]
    # THEN the window restarted at the address change only, and the old failures disable nothing
    assert fixed["failure_window_start"] == "2026-11-25T10:53:08Z"
    assert renamed["failure_window_start"] == fixed["failure_window_start"]
    assert run_health_check(api)["disabled"] == 0
    assert state(acme, soc)["active"] is True and state(acme, soc)["health"] == "ok"


def test_events_for_a_disabled_integration_leave_a_skipped_row_that_can_be_redriven_after_enable(acme, pipeline):
    # GIVEN SOC disabled by a user
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    acme.call("POST", f"/v1/integrations/{soc['id']}/disable")
    # WHEN a high-risk vulnerability arrives
    acme.call("POST", "/v1/events", {"events": [VULN]})
    pipeline.drain()
    # THEN SOC's delivery log says why SOC did not get it, and nothing was sent to it
    [skipped] = log(acme, soc, status="skipped")
    assert skipped["event_id"] == "v-1" and skipped["subscription"] == "vuln_high" and skipped["attempts"] == []
    assert skipped["reason"].startswith("the integration is disabled (manual)")
    assert received("soc@acme.io") == 0
    # AND a redrive waits for the enable: refused while disabled, sent after
    error = assert_error(acme.call("POST", f"/v1/deliveries/{skipped['id']}/redrive"), 409)
    assert "enable the integration first" in error["message"]
    acme.call("POST", f"/v1/integrations/{soc['id']}/enable")
    assert acme.call("POST", f"/v1/deliveries/{skipped['id']}/redrive")[0] == 200
    pipeline.drain()
    assert vulnerability_delivery(acme, soc)["status"] == "sent" and received("soc@acme.io") == 1


def test_a_delivery_skipped_at_its_try_stays_redrivable(acme, pipeline):
    # GIVEN a delivery queued while SOC was active, skipped at its try because SOC was disabled meanwhile
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    acme.call("POST", "/v1/events", {"events": [VULN]})
    acme.call("POST", f"/v1/integrations/{soc['id']}/disable")
    pipeline.drain()
    skipped = vulnerability_delivery(acme, soc)
    assert skipped["status"] == "skipped" and "enable it, then redrive" in skipped["reason"]
    # WHEN SOC is enabled and the delivery redriven THEN it is sent
    acme.call("POST", f"/v1/integrations/{soc['id']}/enable")
    assert acme.call("POST", f"/v1/deliveries/{skipped['id']}/redrive")[0] == 200
    pipeline.drain()
    assert received("soc@acme.io") == 1
    # AND once the integration is deleted, its deliveries cannot be redriven any more
    acme.call("DELETE", f"/v1/integrations/{soc['id']}")
    row = deliveries_repo.get(acme.id, skipped["id"])
    assert row is not None
    deliveries_repo.record([Outcome(row, [Attempt(number=9, at=row.updated_at, outcome="failed", recipient="x@y")],
                                    "dead", error="x")])
    error = assert_error(acme.call("POST", f"/v1/deliveries/{skipped['id']}/redrive"), 409)
    assert "deleted" in error["message"]


# --- pure rules ---------------------------------------------------------------------------------------------


def test_a_fresh_window_counts_only_what_came_after_the_enable(frozen_clock):
    now = frozen_clock.moment  # 10:00
    hour = now.replace(minute=0)
    buckets = [(hour - timedelta(hours=2), 20, 20), (hour - timedelta(hours=1), 30, 28), (hour, 12, 3)]
    assert window_ratio(buckets, now + timedelta(minutes=30), 12) == Ratio(62, 51)
    since = now + timedelta(minutes=10)  # enabled at 10:10, when the 10:00 bucket held 10 requests, 2 failed
    fresh = window_ratio(buckets, now + timedelta(minutes=30), 12, since, (10, 2))
    assert fresh == Ratio(2, 1, since)
    assert fresh.describe(12) == ("50% of send requests failed since 2026-11-25 10:10 UTC (enabled or addresses "
                                  "changed) (1 of 2)")
    # an enable older than the window changes nothing
    assert window_ratio(buckets, now, 1, now - timedelta(hours=3), (5, 5)).total == 42


def test_the_notice_summary_names_the_addresses_whose_last_message_failed(frozen_clock):
    now = frozen_clock.moment

    def attempt(minutes: int, recipient: str, ok: bool, error: str = "Email address is not verified.") -> Attempt:
        return Attempt(number=1, at=now + timedelta(minutes=minutes), recipient=recipient,
                       outcome="sent" if ok else "failed", **({} if ok else {"error_code": "MessageRejected",
                                                                            "error": error}))

    def delivery(status: str, *attempts: Attempt) -> Delivery:
        return Delivery(id=status, tenant_id="t", integration_id="i", subject="s", status=status, created_at=now,
                        updated_at=now + timedelta(minutes=9), attempts=list(attempts))

    old = Attempt(number=1, at=now - timedelta(hours=13), recipient="gone@x", outcome="failed", error_code="E")
    summary = summarise([
        delivery("dead", old, attempt(1, "a@x", False), attempt(2, "b@x", False), attempt(3, "a@x", False)),
        delivery("sent", attempt(4, "b@x", True), attempt(5, "c@x", False, "Mailbox full")),
    ], now - timedelta(hours=12))
    assert summary == {"error": "MessageRejected: Email address is not verified.", "failing_addresses": ["a@x", "c@x"],
                       "dead_lettered": 1}
