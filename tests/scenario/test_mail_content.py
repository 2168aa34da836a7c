"""What instant notifications say: subjects a reader can triage, types in words, what to do, who did it."""

from typing import Any

from chalicelib import vocabulary
from chalicelib.events import ingest
from chalicelib.wiring import stores
from tests.scenario.test_notifications import post_events
from tests.support.pipeline import outbox
from tests.unit.test_mail_content import ORDERS


def event(event_id: str, event_type: str, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": event_type, "time": "2026-11-25T10:00:00Z", "data": data}


def mail_to(address: str) -> Any:
    [mail] = [m for m in outbox() if m.to == [address]]
    return mail


# --- vulnerability mails, end to end -------------------------------------------------------


def test_vulnerability_mail_says_what_where_which_category_and_what_to_do(acme, pipeline):
    # GIVEN a high-risk subscriber
    acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    # WHEN the platform reports a SQL injection with its place and a deep link
    post_events(acme, event("v1", "vulnerability.detected", **ORDERS))
    pipeline.drain()
    # THEN the subject triages it: risk, type in words, host, method, path, parameter
    mail = mail_to("soc@acme.io")
    assert mail.subject == "[High] SQL injection — api.acme.io GET /v2/orders (order_id)"
    # AND the body names the type, its category and the fix from the vocabulary, the title and the link
    sqli = vocabulary.describe("sqli")
    for line in ("SQLi in the orders API", "Detected · High risk", "Type: SQL injection",
                 "Category: CWE-89 · A03:2021 Injection",
                 "Host: api.acme.io", "Endpoint: GET /v2/orders", "Parameter: order_id", "Id: v-42",
                 "What to do:", sqli.remediation,
                 "View the vulnerability: https://platform.example/vulnerabilities/v-42"):
        assert line in mail.text, line
    assert "OWASP API" not in mail.text  # the API Top 10 (2023) has no injection category: none is claimed
    assert 'line-height:1.3;">Detected: SQLi in the orders API</h1>' in mail.html
    assert "CWE-89 · A03:2021 Injection" in mail.html and sqli.remediation in mail.html
    assert 'href="https://platform.example/vulnerabilities/v-42"' in mail.html


def test_vulnerability_mail_with_only_the_required_fields_still_reads(acme, pipeline):
    acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_low"])
    post_events(acme, event("v1", "vulnerability.detected", risk="low", title="Cookie without Secure flag",
                            type="brand_new_check", link="ftp://files.example/x"))
    pipeline.drain()
    mail = mail_to("soc@acme.io")
    assert mail.subject == "[Low] Brand new check"
    assert "Type: Brand new check" in mail.text and "Category" not in mail.text
    assert "Open the vulnerability in the platform, fix it in code" in mail.text  # no remediation known
    assert "ftp://" not in mail.html and "View the vulnerability" not in mail.text


# --- system mails ----------------------------------------------------------------------------


def test_system_mails_name_the_actor_and_flag_admin_grants(acme, pipeline):
    # GIVEN a system subscriber
    acme.integration(name="Ops", emails="ops@acme.io", events=["system"])
    # WHEN users and applications change, some by a named person
    post_events(
        acme,
        event("u1", "user.created", email="eve@acme.io", role="admin", actor="alice@acme.io"),
        event("u2", "user.role_changed", email="bob@acme.io", role="Global_Admin", previous_role="analyst"),
        event("u3", "user.role_changed", email="carl@acme.io", role="admin", previous_role="admin"),
        event("u4", "user.created", email="dan@acme.io", role="viewer"),
        event("a1", "application.renamed", name="Store", previous_name="Shop", actor="Alice Doe"),
    )
    pipeline.drain()
    mails = {m.subject: m for m in outbox() if m.to == ["ops@acme.io"]}
    # THEN new admins are marked in the subject and said in the body, and the actor is named
    assert sorted(mails) == [
        "Application renamed: Shop → Store by Alice Doe",
        "New user added: dan@acme.io (viewer)",
        "Role of carl@acme.io changed to admin",
        "[Admin access] New user added: eve@acme.io (admin) by alice@acme.io",
        "[Admin access] Role of bob@acme.io changed to Global_Admin",
    ]
    eve = mails["[Admin access] New user added: eve@acme.io (admin) by alice@acme.io"]
    assert "Admin access granted to eve@acme.io." in eve.text and "Changed by: alice@acme.io" in eve.text
    assert "Admin access granted to eve@acme.io." in eve.html and "remove the admin role" in eve.html
    assert "Admin access granted" not in mails["New user added: dan@acme.io (viewer)"].text
    assert "Changed by: Alice Doe" in mails["Application renamed: Shop → Store by Alice Doe"].text


def test_manual_disable_says_how_to_resume(acme, pipeline):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    acme.call("POST", f"/v1/integrations/{soc['id']}/disable")
    pipeline.drain()
    mail = mail_to("sec@acme.io")
    assert mail.subject == "Integration disabled: SOC"
    assert "Disabled: manually" in mail.text and "enable it in the console" in mail.text
    assert "Reason" not in mail.text and "automatically" not in mail.text


def test_auto_disable_notice_names_the_error_the_addresses_the_dead_letters_and_the_steps(acme, pipeline):
    # WHEN the service disables an integration automatically, with what it knows about the failures
    soc = acme.integration(name="SOC", emails="soc@acme.io, bad@acme.io", events=["vuln_high"])
    ingest.emit(stores(), acme.id, "integration.disabled", {
        "integration_id": soc["id"], "name": "SOC", "mode": "automatic",
        "reason": "auto-disabled: 60% of send requests failed in the last 12 hours (6 of 10)",
        "error": "Email address is not verified. The following identities failed the check: bad@acme.io",
        "failing_addresses": ["bad@acme.io", "old@acme.io"], "dead_lettered": 3})
    pipeline.drain()
    # THEN the notice is marked as needing action, unlike a manual disable, and says what to do in order
    mail = mail_to("sec@acme.io")
    assert mail.subject == "[Action needed] Integration disabled automatically: SOC"
    for line in ("Disabled automatically because most of its recent deliveries failed.",
                 "Disabled: automatically", "Reason: auto-disabled: 60% of send requests failed",
                 "Most common error: Email address is not verified.", "Failing addresses: bad@acme.io, old@acme.io",
                 "Dead-lettered deliveries: 3",
                 "1. Fix or remove the failing addresses: bad@acme.io, old@acme.io.",
                 "2. Run Test integration", "3. Enable the integration.",
                 "4. Redrive the 3 dead-lettered deliveries from its delivery log."):
        assert line in mail.text, line
    assert "<ol" in mail.html and "<li>Enable the integration.</li>" in mail.html


def test_degraded_warning_gives_its_figures_and_what_to_do(acme, pipeline):
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    ingest.emit(stores(), acme.id, "integration.degraded", {
        "integration_id": soc["id"], "name": "SOC", "failing_addresses": ["bad@acme.io"],
        "reason": "45% of send requests failed in the last 12 hours (9 of 20)"})
    pipeline.drain()
    mail = mail_to("sec@acme.io")
    assert mail.subject == "Integration failing: SOC"
    for line in ("At 60% failed send requests it is disabled automatically.",
                 "Reason: 45% of send requests failed in the last 12 hours (9 of 20)",
                 "1. Fix or remove the failing address: bad@acme.io.", "2. Run Test integration"):
        assert line in mail.text, line


# --- scope mails -----------------------------------------------------------------------------


def test_a_single_scope_change_is_named_in_the_subject(acme, pipeline):
    acme.integration(name="Ops", emails="ops@acme.io", events=["scope"])
    post_events(acme, event("s1", "scope.changed", changes=[{"kind": "host", "action": "removed",
                                                             "value": "old.acme.io\r\nBcc: x@y.io"}]))
    pipeline.drain()
    mail = mail_to("ops@acme.io")
    assert mail.subject == "Scope changed: host old.acme.io Bcc: x@y.io removed"
    assert "- Removed host: old.acme.io" in mail.text and "really gone" in mail.text and "added one" not in mail.text
