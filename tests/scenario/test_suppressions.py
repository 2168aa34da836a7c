"""Bounces and complaints end to end: a sent email, SES's notification over SNS to the feedback function, the
tenant's suppression list, deliveries that leave suppressed addresses out, and the API that shows and removes them."""

import json
from email import message_from_bytes, policy
from typing import Any

import pytest

from chalicelib.aws import mailer
from tests.support.pipeline import outbox

VULN = {"type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
        "data": {"risk": "high", "title": "SQLi in /login"}}


def send_event(tenant, pipeline, event_id: str) -> None:
    status, body = tenant.call("POST", "/v1/events", {"events": [{"id": event_id, **VULN}]})
    assert status == 202 and body["results"][0]["status"] == "accepted", body
    pipeline.drain()


def sent() -> list[Any]:
    """Mail moto's SES accepted, apart from the copies the tenants' default integrations get."""
    return [m for m in outbox() if not set(m.to) & {"sec@acme.io", "it@globex.example"}]


def ses_tags(raw: bytes) -> dict[str, list[str]]:
    """What SES hands back as ``mail.tags``: the X-SES-MESSAGE-TAGS header of the message we sent."""
    header = message_from_bytes(raw, policy=policy.default)["X-SES-MESSAGE-TAGS"]
    return {name.strip(): [value.strip()] for name, value in (pair.split("=") for pair in str(header).split(","))}


def ses_event(kind: str, mail: Any, message_id: str, recipients: list[str], bounce_type: str = "Permanent",
              tags: dict[str, list[str]] | None = None) -> str:
    """An SES event-publishing record as SNS delivers it (the shape of AWS's documented examples)."""
    common = {"timestamp": "2026-11-25T10:00:00.000Z", "source": mail.sender, "messageId": message_id,
              "destination": mail.to, "headersTruncated": False,
              "commonHeaders": {"from": [mail.sender], "to": mail.to, "subject": mail.subject},
              "tags": {"ses:configuration-set": ["email-report"], "ses:source-ip": ["192.0.2.10"],
                       **(ses_tags(mail.raw) if tags is None else tags)}}
    if kind == "Bounce":
        detail = {"bounce": {
            "feedbackId": "0100017f-bounce", "bounceType": bounce_type,
            "bounceSubType": "General" if bounce_type == "Permanent" else "MailboxFull",
            "bouncedRecipients": [{"emailAddress": r, "action": "failed", "status": "5.1.1",
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown"} for r in recipients],
            "timestamp": "2026-11-25T10:00:05.000Z", "reportingMTA": "dns; a8-70.smtp-out.amazonses.com"}}
    else:
        detail = {"complaint": {
            "feedbackId": "0100017f-complaint", "complainedRecipients": [{"emailAddress": r} for r in recipients],
            "complaintFeedbackType": "abuse", "timestamp": "2026-11-25T10:00:09.000Z",
            "userAgent": "ExampleCorp Feedback Loop (V0.01)"}}
    return json.dumps({"eventType": kind, "mail": common, **detail})


@pytest.fixture
def feedback(api):
    def deliver(message: str) -> dict[str, Any]:
        event = api.client.events.generate_sns_event(message=message, subject="Amazon SES Email Event Notification")
        return api.client.lambda_.invoke("ses_feedback", event).payload

    return deliver


def log(tenant, integration_id: str) -> list[dict[str, Any]]:
    status, body = tenant.call("GET", f"/v1/integrations/{integration_id}/deliveries")
    assert status == 200, body
    return body["items"]


def delivery_of(tenant, integration_id: str, event_id: str) -> dict[str, Any]:
    return next(d for d in log(tenant, integration_id) if d["event_id"] == event_id)


def test_hard_bounce_and_complaint_suppress_addresses_until_an_admin_removes_them(acme, pipeline, feedback):
    # GIVEN an integration with two addresses that got one notification each
    soc = acme.integration(name="SOC", emails="a@acme.io, b@acme.io", events=["vuln_high"])
    send_event(acme, pipeline, "e-1")
    [first] = log(acme, soc["id"])
    [mail, _] = sent()
    assert mail.to == ["a@acme.io"] and ses_tags(mail.raw)["tenant_id"] == [acme.id]
    assert [a["recipient"] for a in first["attempts"]] == ["a@acme.io", "b@acme.io"]

    # WHEN SES reports a hard bounce for a@ (the notification carries our tenant tag back)
    result = feedback(ses_event("Bounce", mail, first["attempts"][0]["message_id"], ["a@acme.io"]))

    # THEN a@ is on the tenant's suppression list and the integration shows it
    assert result == {"suppressed": 1, "tenant_id": acme.id}
    status, listed = acme.call("GET", "/v1/suppressions", token=acme.token_for("viewer"))
    assert status == 200 and [(s["email"], s["reason"]) for s in listed["items"]] == [("a@acme.io", "bounce")]
    assert "550 5.1.1 user unknown" in listed["items"][0]["detail"]
    assert listed["items"][0]["message_id"] == first["attempts"][0]["message_id"]
    integration = acme.call("GET", f"/v1/integrations/{soc['id']}")[1]
    assert integration["suppressed_addresses"] == ["a@acme.io"] and integration["warning"] is None

    # AND the next notification goes to b@ only, and the delivery log says who was left out
    send_event(acme, pipeline, "e-2")
    assert sent()[-1].to == ["b@acme.io"]
    latest = delivery_of(acme, soc["id"], "e-2")
    assert latest["status"] == "sent" and latest["attempts"][0]["suppressed"] == ["a@acme.io"]

    # WHEN b@'s owner marks a message as spam
    feedback(ses_event("Complaint", sent()[-1], latest["attempts"][0]["message_id"], ["b@acme.io"]))

    # THEN nothing can be sent: the integration is flagged and the next delivery is skipped with the reason
    integration = next(i for i in acme.call("GET", "/v1/integrations")[1]["items"] if i["id"] == soc["id"])
    assert integration["suppressed_addresses"] == ["a@acme.io", "b@acme.io"] and "suppression" in integration["warning"]
    sent_before = len(sent())
    send_event(acme, pipeline, "e-3")
    skipped = delivery_of(acme, soc["id"], "e-3")
    assert len(sent()) == sent_before
    assert skipped["status"] == "skipped"
    assert "suppression list" in skipped["reason"] and "b@acme.io" in skipped["reason"]

    # WHEN a viewer tries to remove a suppression, and then an admin does
    assert acme.call("DELETE", "/v1/suppressions/b@acme.io", token=acme.token_for("viewer"))[0] == 403
    assert acme.call("DELETE", "/v1/suppressions/B%40acme.io")[0] == 204
    assert acme.call("DELETE", "/v1/suppressions/b@acme.io")[0] == 404

    # THEN b@ gets mail again
    send_event(acme, pipeline, "e-4")
    assert sent()[-1].to == ["b@acme.io"]
    assert [s["email"] for s in acme.call("GET", "/v1/suppressions")[1]["items"]] == ["a@acme.io"]


def test_transient_bounces_and_untagged_or_malformed_notifications_suppress_nothing(acme, pipeline, feedback):
    acme.integration(name="SOC", emails="a@acme.io", events=["vuln_high"])
    send_event(acme, pipeline, "e-1")
    [mail] = sent()

    assert feedback(ses_event("Bounce", mail, "m-1", ["a@acme.io"], bounce_type="Transient")) == {"suppressed": 0}
    assert feedback(ses_event("Complaint", mail, "m-1", ["a@acme.io"], tags={}))["ignored"] == "no tenant tag"
    assert feedback("not json")["suppressed"] == 0
    assert feedback(json.dumps({"eventType": "Delivery", "mail": {}})) == {"suppressed": 0}
    assert acme.call("GET", "/v1/suppressions")[1] == {"items": [], "next_cursor": None}


def test_suppression_lists_are_per_tenant(acme, globex, pipeline, feedback):
    acme.integration(name="SOC", emails="shared@example.com", events=["vuln_high"])
    globex.integration(name="IT", emails="shared@example.com", events=["vuln_high"])
    send_event(acme, pipeline, "e-1")
    [mail] = sent()
    feedback(ses_event("Complaint", mail, "m-1", ["shared@example.com"]))

    assert [s["email"] for s in acme.call("GET", "/v1/suppressions")[1]["items"]] == ["shared@example.com"]
    assert globex.call("GET", "/v1/suppressions")[1]["items"] == []
    assert globex.call("DELETE", "/v1/suppressions/shared@example.com")[0] == 404
    send_event(globex, pipeline, "g-1")
    assert sent()[-1].to == ["shared@example.com"]


def test_sent_mail_names_the_configuration_set_when_one_is_configured(acme, pipeline, monkeypatch):
    from chalicelib.settings import get_settings

    monkeypatch.setenv("SES_CONFIGURATION_SET", "email-report")
    get_settings.cache_clear()
    try:
        headers = mailer.ses_headers(tenant_id=acme.id, delivery_id="d-1")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    assert headers == {"X-SES-MESSAGE-TAGS": f"tenant_id={acme.id}, delivery_id=d-1",
                       "X-SES-CONFIGURATION-SET": "email-report"}
    assert "X-SES-CONFIGURATION-SET" not in mailer.ses_headers(tenant_id=acme.id)


def test_test_integration_leaves_suppressed_addresses_out_and_tags_its_mail(acme, pipeline, feedback):
    # GIVEN b@ complained about an earlier mail
    soc = acme.integration(name="SOC", emails="a@acme.io, b@acme.io", events=["vuln_high"])
    send_event(acme, pipeline, "evt-1")
    mail = next(m for m in sent() if "b@acme.io" in m.to)
    feedback(ses_event("Complaint", mail, "m-1", ["b@acme.io"]))
    earlier = len(sent())
    # WHEN the integration is tested, THEN only a@ gets the sample and the result says why b@ did not
    status, body = acme.call("POST", f"/v1/integrations/{soc['id']}/test")
    assert status == 200 and body["ok"] is True
    assert body["steps"][1] == {"step": "suppressions", "ok": True, "message_ids": [], "subject": None,
                                "detail": "left out, on the suppression list (hard bounce or complaint): b@acme.io"}
    [test_mail] = sent()[earlier:]
    assert test_mail.to == ["a@acme.io"] and test_mail.subject.startswith("[Test message]")
    # AND the test mail carries the tenant tag, so its own bounce reaches this tenant's list
    assert ses_tags(test_mail.raw) == {"tenant_id": [acme.id], "kind": ["test"], "integration_id": [soc["id"]]}
    assert feedback(ses_event("Bounce", test_mail, "m-2", ["a@acme.io"])) == {"suppressed": 1, "tenant_id": acme.id}
    # AND a draft whose every address is suppressed sends nothing and says so
    earlier = len(sent())
    status, body = acme.call("POST", "/v1/integrations/test", {"name": "Draft", "emails": "A@acme.io, b@acme.io"})
    assert status == 200 and body["ok"] is False
    assert body["steps"][1]["step"] == "suppressions" and body["steps"][1]["ok"] is False
    assert "A@acme.io, b@acme.io" in body["steps"][1]["detail"]  # as the admin typed them
    assert body["steps"][-1]["detail"] == "nothing sent: see the failed step above"
    assert sent()[earlier:] == []


def test_an_address_with_a_percent_sign_is_removed_by_its_encoded_path(acme, pipeline, feedback):
    # Path parameters reach the function still percent-encoded (API Gateway REST APIs and chalice's local
    # server alike), so "%25" is decoded exactly once: to the "%" of the address.
    acme.integration(name="SOC", emails="100%off@acme.io", events=["vuln_high"])
    send_event(acme, pipeline, "e-1")
    [mail] = sent()
    feedback(ses_event("Complaint", mail, "m-1", ["100%off@acme.io"]))
    assert [s["email"] for s in acme.call("GET", "/v1/suppressions")[1]["items"]] == ["100%off@acme.io"]

    assert acme.call("DELETE", "/v1/suppressions/100%2525off%40acme.io")[0] == 404  # "100%25off@…" is not listed
    assert acme.call("DELETE", "/v1/suppressions/100%25off%40acme.io")[0] == 204
    assert acme.call("GET", "/v1/suppressions")[1]["items"] == []
