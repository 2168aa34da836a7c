"""Instant notifications end to end: HTTP event in → routing → SQS → worker → moto's SES outbox."""

import itertools
from datetime import datetime
from typing import Any

from chalicelib.models.events import EVENTS
from chalicelib.settings import get_settings
from local.pollers import poll_once
from tests.support.pipeline import outbox

VULN = {"id": "e-1", "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
        "data": {"risk": "high", "title": "SQLi in /login", "host": "api.acme.io", "path": "/login"}}


def post_events(tenant: Any, *events: dict[str, Any]) -> list[dict[str, Any]]:
    status, body = tenant.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202, body
    return body["results"]


def test_event_reaches_exactly_the_active_subscribed_integrations(acme, pipeline):
    # GIVEN a high-risk subscriber, a low-risk-only one, and a disabled high-risk subscriber
    high = acme.integration(name="SOC", emails="soc@acme.io, lead@acme.io", events=["vuln_high"])
    acme.integration(name="Low", emails="low@acme.io", events=["vuln_low"])
    off = acme.integration(name="Off", emails="off@acme.io", events=["vuln"])
    acme.call("POST", f"/v1/integrations/{off['id']}/disable")
    # WHEN a high-risk vulnerability is posted and the worker runs
    assert post_events(acme, VULN) == [{"id": "e-1", "status": "accepted", "error": None}]
    pipeline.drain()
    # THEN the default integration (subscribes to all vulns) and SOC get it, nobody else, one message per address
    mails = [m for m in outbox() if "Vulnerability" in m.subject]
    assert sorted(m.to for m in mails) == [["lead@acme.io"], ["sec@acme.io"], ["soc@acme.io"]]
    mail = next(m for m in mails if "soc@acme.io" in m.to)
    assert mail.subject == "[High] Vulnerability: SQLi in /login — api.acme.io /login"
    assert "Host: api.acme.io" in mail.text and "Endpoint: /login" in mail.text and "Detected · High risk" in mail.text
    assert "SQLi in /login" in mail.html and "High risk" in mail.html
    status, log = acme.call("GET", f"/v1/integrations/{high['id']}/deliveries")
    assert status == 200
    [entry] = log["items"]
    assert entry["status"] == "sent" and entry["event_id"] == "e-1"
    assert [(a["recipient"], a["outcome"]) for a in entry["attempts"]] == [("soc@acme.io", "sent"),
                                                                           ("lead@acme.io", "sent")]
    assert entry["recipients_sent"] == ["soc@acme.io", "lead@acme.io"] and entry["recipients_pending"] == []


def test_duplicate_event_id_sends_nothing_new(acme, pipeline):
    post_events(acme, VULN)
    pipeline.drain()
    sent = len(outbox())
    assert post_events(acme, VULN)[0]["status"] == "duplicate"
    pipeline.drain()
    assert len(outbox()) == sent == 1


def test_invalid_events_are_rejected_one_by_one(acme, pipeline):
    bad_risk = {**VULN, "id": "e-2", "data": {"risk": "critical", "title": "x"}}
    unknown = {"id": "e-3", "type": "nope", "time": "2026-11-25T10:00:00Z"}
    results = post_events(acme, VULN, bad_risk, unknown, "not an object")
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "rejected"]
    assert results[1]["error"]["details"][0]["path"] == "data.risk"
    assert results[2]["error"]["details"][0]["path"] == "type"
    pipeline.drain()
    assert len(outbox()) == 1


def test_batch_over_100_is_refused_whole(acme):
    status, body = acme.call("POST", "/v1/events", {"events": [VULN] * 101})
    assert status == 422 and body["error"]["details"][0]["path"] == "events"


def test_system_scope_and_user_events_use_their_templates(acme, pipeline):
    acme.integration(name="Ops", emails="ops@acme.io", events=["system", "scope"])
    post_events(
        acme,
        {"id": "u1", "type": "user.role_changed", "time": "2026-11-25T10:00:00Z",
         "data": {"email": "bob@acme.io", "role": "admin", "previous_role": "viewer"}},
        {"id": "s1", "type": "scope.changed", "time": "2026-11-25T10:00:00Z",
         "data": {"changes": [{"kind": "host", "action": "added", "value": "new.acme.io"},
                              {"kind": "domain", "action": "removed", "value": "old.acme.io"}]}},
        {"id": "a1", "type": "attack.detected", "time": "2026-11-25T10:00:00Z",
         "data": {"type": "sqli", "host": "api.acme.io", "hits": 3}},
    )
    pipeline.drain()
    subjects = sorted(m.subject for m in outbox() if m.to == ["ops@acme.io"])
    assert subjects == ["Scope changed: 1 host added, 1 domain removed",
                        "[Admin access] Role of bob@acme.io changed to admin"]


def test_every_system_type_of_the_platform_is_mailed_with_its_headline_even_without_details(acme, pipeline):
    # GIVEN an integration subscribed to system events
    acme.integration(name="Ops", emails="ops@acme.io", events=["system"])
    system = [t for t, kind in EVENTS.items() if kind.origin == "platform" and kind.subscription == "system"]
    # WHEN each platform type mailed to system subscribers arrives with no details at all
    post_events(acme, *({"id": f"bare-{n}", "type": event_type, "time": "2026-11-25T10:00:00Z", "data": {}}
                        for n, event_type in enumerate(system)))
    pipeline.drain()
    # THEN each is mailed under its registry headline, the missing names said as such
    assert len(system) == 6 and sorted(m.subject for m in outbox() if m.to == ["ops@acme.io"]) == [
        "Application created: —", "Application deleted: —", "Application renamed: — → —",
        "New user added: unknown user", "Role of unknown user changed to —", "User deleted: unknown user"]


def test_html_is_escaped_and_headers_cannot_be_injected(acme, pipeline):
    acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    evil = {**VULN, "id": "x1", "data": {"risk": "high", "title": "<script>alert(1)</script>\r\nBcc: evil@x.io",
                                         "link": "javascript:alert(1)"}}
    post_events(acme, evil)
    pipeline.drain()
    mail = next(m for m in outbox() if m.to == ["soc@acme.io"])
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "javascript:" not in mail.html
    headers = mail.raw.split(b"\r\n\r\n")[0].decode().split("\r\n")
    assert [h for h in headers if h.lower().startswith(("bcc", "subject"))] == [
        "Subject: [High] Vulnerability: <script>alert(1)</script> Bcc: evil@x.io"]
    assert mail.subject == "[High] Vulnerability: <script>alert(1)</script> Bcc: evil@x.io"


def test_failing_ses_follows_the_exact_schedule_then_dead_then_redrive(acme, pipeline, flaky_ses, monkeypatch):
    from chalicelib.aws import queue
    from chalicelib.delivery.schedule import DELAYS, MAX_TRIES

    requested: list[int] = []
    real_send = queue.send_deliveries

    def spy(messages):
        requested.extend(delay for _, delay in messages)
        real_send(messages)

    monkeypatch.setattr(queue, "send_deliveries", spy)
    integration = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    default = next(i for i in acme.call("GET", "/v1/integrations")[1]["items"] if i["id"] != integration["id"])
    acme.call("DELETE", f"/v1/integrations/{default['id']}")
    pipeline.drain()  # the default integration's farewell notice
    sent_before = len(outbox())
    flaky_ses.fail_next(MAX_TRIES)
    post_events(acme, VULN)
    requested.clear()
    pipeline.drain()
    # THEN every try happened exactly the seed's delays apart, and the delivery is dead
    status, log = acme.call("GET", f"/v1/integrations/{integration['id']}/deliveries")
    [entry] = log["items"]
    assert entry["status"] == "dead" and len(entry["attempts"]) == MAX_TRIES == 17
    times = [datetime.fromisoformat(a["at"]) for a in entry["attempts"]]
    gaps = [int((b - a).total_seconds()) for a, b in itertools.pairwise(times)]
    assert gaps == list(DELAYS) == [1, 3, 5, 10, 10, 0, 1, 3, 5, 30, 60, 60, 180, 300, 600, 1800]
    assert requested == list(DELAYS)
    assert entry["last_error"] == "Email address is not verified. — soc@acme.io"  # SES's words, and whose
    assert entry["attempts"][0]["error_code"] == "MessageRejected"
    assert len(outbox()) == sent_before
    status, dead = acme.call("GET", f"/v1/integrations/{integration['id']}/deliveries?status=dead")
    assert [d["id"] for d in dead["items"]] == [entry["id"]]
    # WHEN SES works again and the dead letter is redriven
    status, body = acme.call("POST", f"/v1/deliveries/{entry['id']}/redrive")
    assert status == 200 and body["status"] == "queued"
    pipeline.drain()
    status, log = acme.call("GET", f"/v1/integrations/{integration['id']}/deliveries")
    assert log["items"][0]["status"] == "sent"
    assert [m.to for m in outbox()[sent_before:]] == [["soc@acme.io"]]
    # AND a delivery that is not dead cannot be redriven
    assert acme.call("POST", f"/v1/deliveries/{entry['id']}/redrive")[0] == 409


def test_redelivered_message_sends_nothing_twice(acme, pipeline):
    post_events(acme, VULN)
    received: list[dict[str, Any]] = []

    def twice(event: dict[str, Any]) -> dict[str, Any]:
        received.append(event)
        pipeline.worker(event)
        return pipeline.worker(event)  # SQS delivers the same message again

    poll_once(get_settings().delivery_queue, twice)
    pipeline.drain()
    assert len(received) == 1 and len(outbox()) == 1


def test_disabled_or_deleted_integration_skips_pending_retries(acme, pipeline, flaky_ses):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    ops = acme.integration(name="Ops", emails="ops@acme.io", events=["vuln_high"])
    flaky_ses.fail_next(3)
    post_events(acme, VULN)
    poll_once(get_settings().delivery_queue, pipeline.worker)  # first tries fail
    acme.call("POST", f"/v1/integrations/{soc['id']}/disable")
    acme.call("DELETE", f"/v1/integrations/{ops['id']}")
    pipeline.drain()
    by_integration = {d["integration_id"]: d for d in pipeline.deliveries() if d["event_id"] == "e-1"}
    assert by_integration[soc["id"]]["status"] == "skipped"
    assert "disabled (manual)" in by_integration[soc["id"]]["reason"]
    assert by_integration[ops["id"]]["status"] == "skipped"
    assert by_integration[ops["id"]]["reason"] == "the integration was deleted"
    status, log = acme.call("GET", f"/v1/integrations/{ops['id']}/deliveries")
    assert status == 200 and log["items"]  # the deleted integration's log is still readable
