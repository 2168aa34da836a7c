"""What notification mails say, pure: subjects from the event's fields, no header injection, fixed and reopened
rendered from the stored fields (the mails end to end: tests/scenario/test_mail_content.py)."""

import unicodedata
from email import message_from_bytes
from typing import Any

import pytest

from chalicelib import vocabulary
from chalicelib.email import compose, notifications
from chalicelib.email.message import Content, build
from tests.support.events import ORDERS

# --- the subject builder -------------------------------------------------------------------


@pytest.mark.parametrize(("data", "subject"), [
    (ORDERS, "[High] SQL injection — api.acme.io GET /v2/orders (order_id)"),
    ({"risk": "medium", "title": "Reflected XSS", "type": "XSS", "domain": "acme.io", "path": "/search"},
     "[Medium] Cross-site scripting — acme.io /search"),
    ({"risk": "high", "title": "SQLi in /login"}, "[High] Vulnerability: SQLi in /login"),
    ({"risk": "low", "title": "t", "type": "weird_new_type", "host": "h.io", "method": "POST"},
     "[Low] Weird new type — h.io"),  # a method without a path says nothing
    ({"risk": "high", "title": "t", "type": "sqli", "parameter": "q"}, "[High] SQL injection — parameter q"),
    ({"id": "v-1"}, "Vulnerability"),  # a status change of an unknown record
    ({"risk": "high", "title": "", "type": "", "host": None, "path": 42}, "[High] Vulnerability — 42"),
])
def test_subject_says_as_much_as_the_event_carries(data, subject):
    assert notifications.vulnerability_subject(data) == subject


@pytest.mark.parametrize("verb", ["detected", "fixed", "reopened"])
def test_every_mail_of_a_vulnerability_has_the_same_subject_so_they_thread(verb):
    subject, _, context = notifications.vulnerability_parts({**ORDERS, "status": "closed"}, verb)
    assert subject == "[High] SQL injection — api.acme.io GET /v2/orders (order_id)" and context["verb"] == verb


HOSTILE = "x\r\nBcc: evil@x.io\u2028Subject: y\x00\u202e"
SUBJECT_FIELDS = ("risk", "title", "host", "domain", "path", "method", "parameter", "type")


@pytest.mark.parametrize("field", SUBJECT_FIELDS)
def test_no_field_can_inject_a_header(field):
    data = {**ORDERS, field: HOSTILE}
    if field == "domain":
        data.pop("host")  # the host, when there is one, names the place
    if field == "title":
        data.pop("type")  # the type, when there is one, names the vulnerability
    subject = notifications.vulnerability_subject(data)
    assert not [ch for ch in subject if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}], subject
    raw = build("r@example.com", "Reports", ["soc@acme.io"], Content(subject, "<p>x</p>", "x"))
    message = message_from_bytes(raw)
    assert message.get_all("Bcc") is None and len(message.get_all("Subject")) == 1


def test_one_long_field_does_not_crowd_the_others_out():
    subject = notifications.vulnerability_subject({**ORDERS, "path": "/" + "a" * 1999})
    assert len(subject) <= 200
    assert subject.startswith("[High] SQL injection — api.acme.io GET /aaa") and subject.endswith(
        "… (order_id)")


# --- fixed and reopened share the layout ---------------------------------------------------


def render_status(data: dict[str, Any], verb: str) -> tuple[str, str, str]:
    subject, headline, context = notifications.vulnerability_parts(data, verb)
    mail = compose.compose("vulnerability_status", subject, "Acme", "", headline=headline, **context)
    return subject, mail.html, mail.text


def test_fixed_and_reopened_mails_render_the_stored_fields_with_the_status():
    fixed = {**ORDERS, "status": "closed", "previous_status": "open"}
    subject, html, text = render_status(fixed, "fixed")
    assert subject == "[High] SQL injection — api.acme.io GET /v2/orders (order_id)"
    assert "Fixed · High risk" in text and "Status: Fixed (was open)" in text and "Nothing to do" in text
    assert "Endpoint: GET /v2/orders" in text and vocabulary.describe("sqli").remediation not in text
    assert ">Fixed</span>" in html and 'href="https://platform.example/vulnerabilities/v-42"' in html
    reopened = {**ORDERS, "status": "open", "previous_status": "closed"}
    subject, html, text = render_status(reopened, "reopened")
    assert subject.startswith("[High] SQL injection — ")
    assert "Status: Open (was fixed)" in text and vocabulary.describe("sqli").remediation in text
    assert "It had been reported fixed" in text


@pytest.mark.parametrize(("verb", "word"), [("detected", "Detected"), ("fixed", "Fixed"), ("reopened", "Reopened"),
                                            ("marked false positive", "False positive")])
def test_the_state_leads_the_preheader_and_the_first_line_while_the_subject_threads(verb, word):
    subject, html, text = render_status({**ORDERS, "status": "closed"}, verb)
    assert text.startswith(f"{word}: {subject}\n")
    assert f">{word}: {subject}&#847;" in html and "<h1" in html and f">{word}: " in html.split("<h1", 1)[1]
