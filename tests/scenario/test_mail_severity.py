"""Every mail says how urgent it is for mail rules: ``X-Email-Report-Severity`` (high, medium, low, info) and, when
high, ``Importance: high`` and ``Priority: urgent``, read from the raw bytes in moto's SES outbox (decisions:
chalicelib/email/severity.py)."""

from email import message_from_bytes
from email.message import Message
from email.policy import strict

import pytest

from local.outbox import messages
from tests.support.api import Api, TenantHandle
from tests.support.clock import FrozenClock
from tests.support.mail_kinds import KINDS, Sent, made
from tests.support.pipeline import Pipeline

# Each kind of mail of tests/support/mail_kinds.py and what it must say: a new kind needs a line here.
EXPECTED = {
    "system": "low", "alert_events": "medium", "scope": "low", "integration_disabled": "info",
    "vulnerability_detected": "high", "vulnerability_fixed": "info", "alert_threshold": "high",
    "alert_threshold_again": "high", "test_notification": "high", "test_report": "info", "report_attached": "info",
    "report_linked": "info", "recipient_unsubscribed": "info", "digest": "info",
    "sla_reminder": "high",
}


def severity_headers(raw: bytes) -> dict[str, list[str]]:
    message: Message = message_from_bytes(raw, policy=strict)
    return {name: [str(value) for value in message.get_all(name, [])]
            for name in ("X-Email-Report-Severity", "Importance", "Priority")}


def said(level: str) -> dict[str, list[str]]:
    urgent = level == "high"
    return {"X-Email-Report-Severity": [level], "Importance": ["high"] if urgent else [],
            "Priority": ["urgent"] if urgent else []}


@pytest.fixture
def sent(api: Api, pipeline: Pipeline, frozen_clock: FrozenClock) -> dict[str, Sent]:
    return made(api, pipeline, frozen_clock)


def test_every_kind_of_mail_has_a_decided_severity() -> None:
    assert sorted(EXPECTED) == sorted(kind.name for kind in KINDS)


@pytest.mark.parametrize("name", [kind.name for kind in KINDS])
def test_each_kind_of_mail_says_its_severity(sent: dict[str, Sent], name: str) -> None:
    assert severity_headers(sent[name].raw) == said(EXPECTED[name])


def test_a_vulnerability_says_its_risk_while_open_and_info_once_fixed(frozen_clock: FrozenClock, acme: TenantHandle,
                                                                       pipeline: Pipeline) -> None:
    # GIVEN an integration for every risk, and Test integration's samples of each kind for a draft
    acme.integration(name="Vulns", emails="vulns@acme.io", events=["vuln"])
    status, body = acme.call("POST", "/v1/integrations/test", {"name": "Rules", "emails": "rules@acme.io",
                                                                "events": ["vuln", "system", "scope"]})
    assert status == 200 and body["ok"], body
    samples = {mail.subject: severity_headers(mail.raw) for mail in messages() if mail.to == ["rules@acme.io"]}
    # THEN each sample says the severity of the kind it samples, so a mail rule can be tried with it
    levels = {subject: headers["X-Email-Report-Severity"][0] for subject, headers in samples.items()}
    assert sorted(levels.values()) == ["high", "low", "low", "low", "medium"], levels
    assert all(headers == said(headers["X-Email-Report-Severity"][0]) for headers in samples.values())

    # WHEN medium and low vulnerabilities are detected, the medium one fixed, then reopened
    for number, (event_type, data) in enumerate((
            ("vulnerability.detected", {"id": "V-1", "risk": "medium", "title": "Reflected XSS"}),
            ("vulnerability.detected", {"id": "V-2", "risk": "low", "title": "Version disclosed"}),
            ("vulnerability.status_changed", {"id": "V-1", "status": "closed"}),
            ("vulnerability.status_changed", {"id": "V-1", "status": "open"}))):
        frozen_clock.advance(minutes=5)
        event = {"id": f"sev-{number}", "type": event_type, "time": frozen_clock.moment.isoformat(), "data": data}
        status, body = acme.call("POST", "/v1/events", {"events": [event]})
        assert status == 202 and body["results"][0]["status"] == "accepted", body
        pipeline.drain()

    # THEN the detections and the reopening say their risk, the fix says info
    mails = [severity_headers(mail.raw) for mail in messages() if mail.to == ["vulns@acme.io"]]
    assert mails == [said("medium"), said("low"), said("info"), said("medium")]
