"""Test integration: per-step results, [Test message] samples in the outbox, nothing saved, rate limit."""

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import SESBackend, ses_backends

from local.moto_server import lift_ses_quota
from tests.support.checks import scan
from tests.support.pipeline import outbox


def test_saved_integration_sends_one_sample_per_subscribed_kind(acme):
    soc = acme.integration(name="SOC", emails="soc@acme.io, lead@acme.io", events=["system", "vuln_high", "scope"])
    status, body = acme.call("POST", f"/v1/integrations/{soc['id']}/test")
    assert status == 200 and body["ok"] is True and body["can_enable"] is False
    assert [s["step"] for s in body["steps"]] == [
        "configuration", "ses_sending", "sender_identity", "send_system", "send_vuln_high", "send_scope"]
    assert all(s["ok"] for s in body["steps"])
    assert "verified" in body["steps"][2]["detail"]
    mails = outbox()
    assert sorted(set(m.subject for m in mails)) == [
        "[Test message] New user added: new.user@example.com (analyst) by admin@example.com",
        "[Test message] Scope changed: 1 host added, 1 service removed",
        "[Test message] [High] SQL injection — api.example.com GET /v2/orders (order_id)",
    ]
    assert sorted(m.to[0] for m in mails) == ["lead@acme.io"] * 3 + ["soc@acme.io"] * 3  # one message each
    assert all(len(m.to) == 1 and "This is a test message" in m.text for m in mails)
    assert body["steps"][3]["detail"] == "sent to soc@acme.io, lead@acme.io"
    message_ids = [i for s in body["steps"] for i in s["message_ids"]]
    assert len(message_ids) == 6
    assert scan("deliveries_table") == [] and scan("counters_table") != []  # rate-limit counter only


def test_draft_is_validated_and_nothing_is_saved(acme):
    before = scan("integrations_table")
    status, body = acme.call("POST", "/v1/integrations/test", {"name": "Draft", "emails": "d@acme.io",
                                                               "events": ["vuln_low"]})
    assert status == 200 and body["ok"]
    [mail] = outbox()
    assert mail.subject == "[Test message] [Low] Information disclosure — www.example.com"
    assert "Server version disclosed" in mail.text and "CWE-497" in mail.text and "What to do:" in mail.text
    assert "https://platform.example.com/vulnerabilities/sample-low" in mail.text
    assert scan("integrations_table") == before
    status, body = acme.call("POST", "/v1/integrations/test", {"name": "Draft", "emails": "nope"})
    assert status == 422 and body["error"]["details"][0]["path"] == "emails.0"


def test_ses_error_text_is_reported_and_disabled_integration_can_be_enabled(acme, flaky_ses):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    acme.call("POST", f"/v1/integrations/{soc['id']}/disable")
    flaky_ses.fail_next(1, "MessageRejected", "Email address is not verified: soc@acme.io")
    status, body = acme.call("POST", f"/v1/integrations/{soc['id']}/test")
    assert status == 200 and body["ok"] is False and body["can_enable"] is False
    assert body["steps"][-1]["detail"] == ("SES refused the message to soc@acme.io: MessageRejected: "
                                           "Email address is not verified: soc@acme.io")
    status, body = acme.call("POST", f"/v1/integrations/{soc['id']}/test")
    assert body["ok"] is True and body["can_enable"] is True


def test_unverified_sender_sends_nothing(acme, monkeypatch):
    from chalicelib.aws import mailer

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
    assert body["error"]["message"] == "at most 5 tests of this integration per 10 minutes; try again in 600 s"
    assert headers["Retry-After"] == "600"
    frozen_clock.advance(seconds=int(headers["Retry-After"]))
    assert acme.call("POST", path)[0] == 200


def test_the_window_rolls_instead_of_restarting_at_a_clock_boundary(acme, frozen_clock):
    # GIVEN five tests at 10:09:30, just before a 10-minute clock boundary
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    path = f"/v1/integrations/{soc['id']}/test"
    frozen_clock.advance(minutes=9, seconds=30)
    assert [acme.call("POST", path)[0] for _ in range(5)] == [200] * 5
    # WHEN the boundary has passed THEN the five still count, until ten minutes after they were made
    frozen_clock.advance(minutes=1)
    status, _, headers = acme.api.call("POST", path, acme.token)
    assert (status, headers["Retry-After"]) == (429, "540")
    frozen_clock.advance(seconds=539)
    assert acme.api.call("POST", path, acme.token)[2]["Retry-After"] == "1"
    frozen_clock.advance(seconds=1)
    assert acme.call("POST", path)[0] == 200
    assert len(outbox()) == 6


def test_ten_tests_per_tenant_across_integrations_drafts_and_re_created_ones(acme, frozen_clock):
    # GIVEN five tests of one integration and five of drafts, a minute apart
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    for _ in range(5):
        assert acme.call("POST", f"/v1/integrations/{soc['id']}/test")[0] == 200
        assert acme.call("POST", "/v1/integrations/test", {"name": "Draft", "emails": "d@acme.io"})[0] == 200
        frozen_clock.advance(minutes=1)
    # WHEN another integration, or the first one deleted and created again, is tested
    other = acme.integration(name="Other", emails="other@acme.io", events=["vuln_high"])
    assert acme.call("DELETE", f"/v1/integrations/{soc['id']}")[0] == 204
    again = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    sent = len(outbox())
    for integration in (other, again):
        status, body, headers = acme.api.call("POST", f"/v1/integrations/{integration['id']}/test", acme.token)
        # THEN the tenant's limit refuses it, until its oldest test is ten minutes old
        assert status == 429, body
        assert body["error"]["message"] == "at most 10 tests per tenant per 10 minutes; try again in 300 s"
        assert headers["Retry-After"] == "300"
    assert len(outbox()) == sent
    frozen_clock.advance(minutes=5)
    assert acme.call("POST", f"/v1/integrations/{again['id']}/test")[0] == 200
    # AND a refusal by the tenant's limit spent nothing of the integration's: it has four tests left
    frozen_clock.advance(minutes=9)
    assert [acme.call("POST", f"/v1/integrations/{again['id']}/test")[0] for _ in range(5)] == [200] * 4 + [429]


def test_viewer_cannot_test_and_other_tenant_gets_404(acme, globex):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    viewer = acme.token_for("viewer")
    assert acme.call("POST", f"/v1/integrations/{soc['id']}/test", token=viewer)[0] == 403
    assert globex.call("POST", f"/v1/integrations/{soc['id']}/test")[0] == 404
    assert outbox() == []


def ses_step(acme):
    status, body = acme.call("POST", "/v1/integrations/test", {"name": "D", "emails": "d@acme.io"})
    assert status == 200
    return body["ok"], body["steps"][1]


def test_the_quota_step_never_counts_below_zero(acme):
    # GIVEN moto's sandbox quota (200 a day) and more mails than that counted already
    ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_message_count = 250
    # WHEN a draft is tested THEN the step says none is left (not -50) and nothing is sent
    ok, step = ses_step(acme)
    assert ok is False and step["ok"] is False
    assert step["detail"].startswith("0 of 200 messages left in the 24-hour quota")
    assert outbox() == []


def test_the_local_stack_lifts_the_quota_and_the_step_reads_unlimited(acme, monkeypatch):
    monkeypatch.setattr(SESBackend, "get_send_quota", SESBackend.get_send_quota)  # undone after the test
    # GIVEN the local stack's SES (an unlimited quota, -1) after 250 mails
    lift_ses_quota()
    ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_message_count = 250
    # WHEN a draft is tested THEN mail can go out and the step says why
    ok, step = ses_step(acme)
    assert ok is True and step["ok"] is True
    assert step["detail"].startswith("no 24-hour sending quota")
    assert {mail.to[0] for mail in outbox()} == {"d@acme.io"}  # the default vulnerability samples went out
