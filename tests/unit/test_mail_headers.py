"""Header safety, as a property: any text in any field that reaches a header — RFC 2047 encoded words that decode
to line breaks and headers (q and b, nested, mixed charsets) included — gives a message whose raw bytes parse,
under ``policy.strict`` and ``compat32`` alike, to exactly the headers we set and the body we built, with no
control or format character in the body (the mails are made by the real builders and ``message.build``; end to
end: tests/scenario/test_mail_headers.py)."""

import base64
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import compat32, strict
from typing import get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.aws import mailer
from chalicelib.email import alerts, compose, notifications
from chalicelib.email.list_headers import MailingList
from chalicelib.email.message import Content, build, header_text
from chalicelib.models.deliveries import Severity
from chalicelib.models.events import Event
from chalicelib.models.triggers import Tally, ThresholdCondition, Trigger, UserAddedCondition

AT = datetime(2026, 11, 25, 10, tzinfo=UTC)
SENDER, RECIPIENT = "reports@acme.io", "soc@acme.io"
EXAMPLES = 300  # derandomized, so CI never flakes; 3 × 2,000 random ones passed when it was written
INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}
INJECTED_NAMES = ("Bcc", "Reply-To", "To", "Subject", "Content-Type", "X-Injected")


# --- hostile text --------------------------------------------------------------------------------------------


def encoded_word(charset: str, form: str, text: str) -> str:
    """``text`` as an RFC 2047 encoded word (an unknown charset's bytes are UTF-8)."""
    try:
        data = text.encode(charset.partition("*")[0], errors="replace")
    except LookupError:
        data = text.encode(errors="replace")
    if form in "bB":
        return f"=?{charset}?{form}?{base64.b64encode(data).decode()}?="
    quoted = "".join("_" if byte == 0x20 else chr(byte) if 0x21 <= byte < 0x7F and chr(byte) not in "=?_" else
                     f"={byte:02X}" for byte in data)
    return f"=?{charset}?{form}?{quoted}?="


BREAKS = st.sampled_from(["\r\n", "\n", "\r", "\r\n\r\n", "\n\n", "\r\n \r\n", "\x85", "\u2028"])
INJECTION = st.builds("{}{}: {}{}".format, BREAKS, st.sampled_from(INJECTED_NAMES),
                      st.sampled_from(["x@evil.example", "text/html", "forged"]),
                      st.sampled_from(["", "\r\n\r\nforged body", "\r\n"]))
CHARSETS = st.sampled_from(["utf-8", "UTF-8", "iso-8859-1", "us-ascii", "windows-1252", "koi8-r", "utf-16",
                            "utf-8*en", "x-unknown"])
WORD = st.builds(encoded_word, CHARSETS, st.sampled_from("qQbB"), st.one_of(INJECTION, st.text(max_size=20)))
NESTED = st.builds(encoded_word, st.just("utf-8"), st.sampled_from("qb"), WORD)  # decodes to an encoded word
MIXED = st.lists(st.one_of(WORD, NESTED, INJECTION, st.text(max_size=8), st.sampled_from([" ", "\t", "\r\n "])),
                 max_size=6).map("".join)
HOSTILE = st.one_of(st.text(max_size=80), WORD, NESTED, MIXED, INJECTION)


# --- every field that reaches a header, through the real builders ----------------------------------------------


def _event(event_type: str, **data: object) -> Event:
    return Event.model_construct(id="e-1", type=event_type, time=AT, data=data)


def _trigger(name: str, condition: ThresholdCondition | UserAddedCondition) -> Trigger:
    return Trigger(id="t-1", tenant_id="acme", name=name, integration_ids=["i-1"], condition=condition,
                   created_at=AT, updated_at=AT)


def _threshold(text: str) -> Content:
    spike = _trigger(text, ThresholdCondition(type="threshold", metric="attacks", interval="hour", threshold=10))
    tally = Tally(count=12, events=12, itemised=12, amount=12, types={text: 12}, hosts={text: 12},
                  pairs={(text, text): 12}, endpoints={text: 12})
    return alerts.threshold(spike, text, "UTC", tally, AT, AT + timedelta(hours=1))


def _grouped(text: str) -> Content:
    added = _trigger(text, UserAddedCondition(type="user_added"))
    return alerts.group(added, text, "UTC", [alerts.entry(_event("user.created", email=text, name=text))])


MAILS: dict[str, Callable[[str], Content]] = {
    "vulnerability": lambda text: notifications.render(_event(
        "vulnerability.detected", risk="high", title=text or "t", host=text, path=text, parameter=text), text),
    "scope": lambda text: notifications.render(_event(
        "scope.changed", changes=[{"kind": "host", "action": "added", "value": text or "v"}]), text),
    "user": lambda text: notifications.render(_event("user.created", email=text, name=text, role="admin",
                                                     actor=text), text),
    "application": lambda text: notifications.render(_event("application.renamed", name=text,
                                                            previous_name=text, actor=text), text),
    "integration": lambda text: notifications.render(_event("integration.disabled", integration_id=text,
                                                            name=text, reason=text), text),
    "threshold alert": _threshold,
    "grouped alert": _grouped,
    "free subject": lambda text: compose.compose("system", text, text, text, headline=text, notice=text,
                                                 advice=[text], facts=[(text, text)]),
}


# --- what the raw bytes must say --------------------------------------------------------------------------------


def _lines(body: str) -> str:
    """A body as a parser gives it back: ``\\n`` line ends and a final one (``set_content`` writes them so)."""
    return "\n".join(line.decode() for line in body.encode().splitlines()) + "\n"


def _compat32_text(value: str) -> str:
    """compat32 keeps a folded value's line breaks: unfolded (RFC 5322 2.2.3), then decoded."""
    return str(make_header(decode_header(re.sub(r"\r?\n(?=[ \t])", "", value))))


def assert_exactly(raw: bytes, expected: list[tuple[str, str | None]], content: Content) -> None:
    """``raw`` parses, strictly and with compat32, to the ``expected`` header names in order (a value of ``None``
    is ours and only counted), their values, and ``content``'s two parts."""
    names = [name for name, _ in expected] + ["MIME-Version", "Content-Type"]
    strict_message = BytesParser(policy=strict).parsebytes(raw)
    old = message_from_bytes(raw, policy=compat32)
    assert isinstance(strict_message, EmailMessage) and isinstance(old, Message)
    assert strict_message.keys() == names and old.keys() == names
    for name, value in expected:
        parsed = strict_message[name]
        assert parsed.defects == (), (name, parsed.defects)
        if value is None:
            continue
        assert _compat32_text(old[name]) == value, name
        if name in ("From", "To"):  # the strict parser reads them as addresses, quoting a display name
            display, _, address = value.rpartition(" ")
            assert [(a.display_name, a.addr_spec) for a in parsed.addresses] == [(display, address.strip("<>"))]
        else:
            assert str(parsed) == value, name
    assert strict_message.defects == [] and old.defects == []
    parts = [part for part in strict_message.walk() if not part.is_multipart()]
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert [part.get_content().replace("\r\n", "\n") for part in parts] == [_lines(content.text),
                                                                              _lines(content.html)]
    old_parts = [part for part in old.walk() if not part.is_multipart()]
    assert [part.get_payload(decode=True).decode().replace("\r\n", "\n") for part in old_parts] == \
        [_lines(content.text), _lines(content.html)]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(MAILS)), text=HOSTILE, sender_name=HOSTILE, ids=HOSTILE,
       level=st.sampled_from(get_args(Severity)))
def test_no_text_in_any_field_becomes_a_header_or_a_body_of_its_own(kind: str, text: str, sender_name: str,
                                                                     ids: str, level: Severity) -> None:
    # GIVEN a mail whose every header-bound field carries the text, addressed as send_each addresses it
    content = replace(MAILS[kind](text), severity=level)
    personal, list_headers = MailingList(ids, ids, "k" * 43).addressed(content, RECIPIENT)
    extra = mailer.ses_headers(tenant_id=ids, integration_id=ids, delivery_id=ids) | list_headers
    # WHEN the message is built
    raw = build(SENDER, sender_name, [RECIPIENT], personal, ids, extra)
    # THEN it holds exactly our headers with our values, and our body
    display = header_text(sender_name, 64)
    expected: list[tuple[str, str | None]] = [
        ("From", f"{display} <{SENDER}>".lstrip()), ("To", RECIPIENT),
        ("Subject", header_text(personal.subject)), ("Date", None), ("Message-ID", None),
        ("Auto-Submitted", "auto-generated"), ("X-Email-Report-Severity", level),
        *([("Importance", "high"), ("Priority", "urgent")] if level == "high" else []),
        *([("X-Email-Report-Delivery", header_text(ids))] if header_text(ids) else []),
        *((name, header_text(value, 998)) for name, value in extra.items())]
    assert_exactly(raw, expected, personal)
    # AND no control or format character of the text reached either part (line ends are the templates' own)
    for part in (personal.text, personal.html):
        assert [ch for ch in part if ch != "\n" and unicodedata.category(ch) in INVISIBLE] == [], part
    # and, read as bytes, each line of the header block is one of those fields or the folded rest of one
    ours = {name.encode() for name, _ in expected} | {b"MIME-Version", b"Content-Type"}
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert [line for line in head if line[:1] != b" " and line.partition(b":")[0] not in ours] == [], head
    assert max(len(line) for line in head) <= 998  # RFC 5322's limit
