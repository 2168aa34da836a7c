"""Test integration: per-step results, [Test message] samples in the outbox, nothing saved, rate limit."""

from tests.pipeline import outbox
from tests.support import scan


def test_saved_integration_sends_one_sample_per_subscribed_kind(acme):
    soc = acme.integration(name="SOC", emails="soc@acme.io, lead@acme.io", events=["system", "vuln_high", "scope"])
    status, body = acme.call("POST", f"/v1/integrations/{soc['id']}/test")
    assert status == 200 and body["ok"] is True and body["can_enable"] is False
    assert [s["step"] for s in body["steps"]] == [
        "configuration", "ses_sending", "sender_identity", "send_system", "send_vuln_high", "send_scope"]
    assert all(s["ok"] for s in body["steps"])
    assert "verified" in body["steps"][2]["detail"]
    mails = outbox()
    assert sorted(m.subject for m in mails) == [
        "[Test message] New user added: new.user@example.com (analyst) by admin@example.com",
        "[Test message] Scope changed: 1 host added, 1 service removed",
        "[Test message] [High] SQL injection detected — api.example.com GET /v2/orders (order_id)",
    ]
    assert all(m.to == ["soc@acme.io", "lead@acme.io"] for m in mails)
    assert all("This is a test message" in m.text for m in mails)
    message_ids = [i for s in body["steps"] for i in s["message_ids"]]
    assert len(message_ids) == 3
    assert scan("deliveries_table") == [] and scan("counters_table") != []  # rate-limit counter only


def test_draft_is_validated_and_nothing_is_saved(acme):
    before = scan("integrations_table")
    status, body = acme.call("POST", "/v1/integrations/test", {"name": "Draft", "emails": "d@acme.io",
                                                               "events": ["vuln_low"]})
    assert status == 200 and body["ok"]
    [mail] = outbox()
    assert mail.subject == "[Test message] [Low] Information disclosure detected — www.example.com"
    assert "Server version disclosed" in mail.text and "CWE-497" in mail.text and "What to do:" in mail.text
    assert "https://platform.example.com/vulnerabilities/sample-low" in mail.text
    assert scan("integrations_table") == before
    status, body = acme.call("POST", "/v1/integrations/test", {"name": "Draft", "emails": "nope"})
    assert status == 422 and body["error"]["details"][0]["path"] == "emails"


def test_ses_error_text_is_reported_and_disabled_integration_can_be_enabled(acme, flaky_ses):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    acme.call("POST", f"/v1/integrations/{soc['id']}/disable")
    flaky_ses.fail_next(1, "MessageRejected", "Email address is not verified: soc@acme.io")
    status, body = acme.call("POST", f"/v1/integrations/{soc['id']}/test")
    assert status == 200 and body["ok"] is False and body["can_enable"] is False
    assert body["steps"][-1]["detail"] == ("SES refused the message: MessageRejected: "
                                           "Email address is not verified: soc@acme.io")
    status, body = acme.call("POST", f"/v1/integrations/{soc['id']}/test")
    assert body["ok"] is True and body["can_enable"] is True


def test_unverified_sender_sends_nothing(acme, monkeypatch):
    from chalicelib.email import mailer

    monkeypatch.setattr(mailer, "identity_status", lambda address: "Pending")
    status, body = acme.call("POST", "/v1/integrations/test", {"name": "D", "emails": "d@acme.io"})
    assert status == 200 and body["ok"] is False
    assert body["steps"][2] == {"step": "sender_identity", "ok": False, "message_ids": [], "subject": None,
                                "detail": "reports@email-report.local: not verified (Pending)"}
    assert outbox() == []


def test_rate_limit_five_per_ten_minutes(acme, frozen_clock):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    path = f"/v1/integrations/{soc['id']}/test"
    assert [acme.call("POST", path)[0] for _ in range(5)] == [200] * 5
    status, body, headers = acme.api.call("POST", path, acme.token)
    assert status == 429 and body["error"]["code"] == "rate_limited"
    assert 0 < int(headers["Retry-After"]) <= 600
    frozen_clock.advance(seconds=int(headers["Retry-After"]))
    assert acme.call("POST", path)[0] == 200


def test_viewer_cannot_test_and_other_tenant_gets_404(acme, globex):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    viewer = acme.token_for("viewer")
    assert acme.call("POST", f"/v1/integrations/{soc['id']}/test", token=viewer)[0] == 403
    assert globex.call("POST", f"/v1/integrations/{soc['id']}/test")[0] == 404
    assert outbox() == []
