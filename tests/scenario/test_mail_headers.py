"""Header safety end to end: RFC 2047 encoded words in event data, names and trigger names go in through the API,
through the pipeline to moto's SES, and come out as text in our own headers, never as headers of their own; body
text loses control and format characters (the property over every field: tests/unit/test_mail_headers.py)."""

import base64
import re
import unicodedata
from email import message_from_bytes
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import compat32, strict
from typing import Any

from tests.support.api import Api
from tests.support.pipeline import outbox

# The variants of the issue: q and b forms, a blank line that would start the body, a nested word, two charsets.
_BCC = "=?utf-8?q?=0D=0ABcc:_x@evil.example?="
_REPLY_TO = "=?UTF-8?B?" + base64.b64encode(b"\r\nReply-To: e@evil.example").decode() + "?="
_BODY = "=?utf-8?b?" + base64.b64encode(b"\r\n\r\n<h1>Forged body</h1>").decode() + "?="
_NESTED = "=?utf-8?b?" + base64.b64encode(_BCC.encode()).decode() + "?="
_LATIN = "=?iso-8859-1?q?=0AX-Injected:_1?="
WORDS = (_BCC, _REPLY_TO, _BODY, _NESTED, _LATIN)
OURS = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type", "x-email-report-delivery",
        "auto-submitted", "list-id", "list-unsubscribe", "list-unsubscribe-post", "references", "in-reply-to",
        "x-ses-message-tags", "x-ses-configuration-set", "x-email-report-severity", "importance", "priority"}
# What event data must never bring into a body: NUL, bidi overrides and isolates, zero-width, BOM, line separators.
HIDDEN = "\x00\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\ufeff\u2028\u2029"


def header_names(raw: bytes) -> list[str]:
    """The top-level header names as the strict parser reads them, once checked against compat32's and the bytes'."""
    strict_message = BytesParser(policy=strict).parsebytes(raw)
    names = [name.lower() for name in strict_message]
    assert [name.lower() for name in message_from_bytes(raw, policy=compat32)] == names
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert [line.partition(b":")[0].decode().lower() for line in head if line[:1] != b" "] == names
    return names


def post(api_tenant: Any, *events: dict[str, Any]) -> None:
    status, body = api_tenant.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body


def event(event_id: str, event_type: str, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": event_type, "time": "2026-11-25T10:00:00Z", "data": data}  # the frozen clock's


def test_encoded_words_anywhere_stay_text_in_our_own_headers(api: Api, pipeline: Any) -> None:
    # GIVEN a tenant, an integration and a trigger whose names are encoded words, and an integration to tell
    word = " ".join(WORDS)
    tenant = api.tenant(f"Acme {_REPLY_TO}", "sec@acme.io")
    every = tenant.integration(name="All", emails="all@acme.io", events=["system", "vuln", "scope"])
    named = tenant.integration(name=f"SOC {_BCC}", emails="soc@acme.io", events=["system"])
    status, body = tenant.call("POST", "/v1/triggers", {
        "name": f"Spike {_BODY}", "integration_ids": [every["id"]],
        "condition": {"type": "threshold", "metric": "attacks", "interval": "minute", "threshold": 1}})
    assert status == 201, body
    # WHEN events carry encoded words in every text field, and the named integration is disabled
    post(tenant,
         event("v1", "vulnerability.detected", risk="high", title=f"SQLi {word}", host=_REPLY_TO, path=_NESTED,
               parameter=_LATIN),
         event("u1", "user.created", email=f"{_BCC}@acme.io", name=_BODY, role="admin", actor=_REPLY_TO),
         event("a1", "application.renamed", name=_NESTED, previous_name=_BCC, actor=_LATIN),
         event("s1", "scope.changed", changes=[{"kind": "host", "action": "added", "value": _BODY}]),
         *(event(f"at{n}", "attack.detected", type="sqli", host=_BCC, path=_REPLY_TO, hits=2) for n in range(2)))
    tenant.call("POST", f"/v1/integrations/{named['id']}/disable")
    pipeline.drain()
    # THEN every mail has only our headers, each once, and the encoded words are text in its subject
    mails = outbox()
    subjects = [mail.subject for mail in mails]
    assert len(mails) >= 7, subjects
    for mail in mails:
        names = header_names(mail.raw)
        assert set(names) <= OURS and len(names) == len(set(names)), names
        message = BytesParser(policy=strict).parsebytes(mail.raw)
        assert isinstance(message, EmailMessage)
        assert [(a.addr_spec) for a in message["To"].addresses] == mail.to and len(mail.to) == 1
        assert "Forged body" not in mail.text and "Forged body" not in mail.html
        assert mail.text.rstrip().endswith(mail.list_unsubscribe.strip("<>"))  # the body we built, footer last
    assert any(_REPLY_TO in subject and "SQLi" in subject for subject in subjects), subjects
    assert any(subject == f"Integration disabled: SOC {_BCC}" for subject in subjects), subjects
    assert any(subject.startswith(f"Trigger “Spike {_BODY}”") for subject in subjects), subjects


def test_control_and_format_characters_in_event_data_never_reach_a_body(api: Api, pipeline: Any) -> None:
    # GIVEN an integration subscribed to vulnerabilities
    tenant = api.tenant("Acme", "sec@acme.io")
    tenant.integration(name="SOC", emails="soc@acme.io", events=["vuln"])
    # WHEN a vulnerability's fields hide characters around visible words
    post(tenant, event("v1", "vulnerability.detected", risk="high", title="SQLi\u202e in\u200b log\x00in\u2028now",
                       host="api\ufeff.acme.io", path="/v2/\u2066orders\u2069", parameter="order\u200d_id",
                       method="g\u200cet", note="see\u2029below\u202a!\u202c"))
    pipeline.drain()
    # THEN neither part holds one, and the visible text is all there
    [mail] = [mail for mail in outbox() if mail.to == ["soc@acme.io"]]
    for part in (mail.text, mail.html):
        assert [f"U+{ord(ch):04X}" for ch in part if ch in HIDDEN] == [], part
        assert not [ch for ch in part if unicodedata.category(ch) == "Cf"]
        for visible in ("SQLi in login now", "api.acme.io", "/v2/orders", "order_id", "see below!"):
            assert visible in re.sub(r"<[^>]+>", "", part), (visible, part)
