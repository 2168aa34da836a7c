"""Every kind of mail as SES gets it (tests/support/mail_kinds.py): the raw bytes from moto's SES parse under
Python's strict policy without a defect, carry the standard headers, are text + HTML alternatives (with the PDF
when there is one), and thread: the mails about one thing name one synthetic id and share one subject."""

import re
from collections import defaultdict
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import strict
from email.utils import formataddr

import pytest

from chalicelib.settings import get_settings
from tests.support.mail_kinds import KINDS, Sent, made

# Every message has these; a header every message must carry is one more name here.
EVERY_MESSAGE_HAS = ("From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "List-Id")
# RFC 5322 msg-id (dot-atom-text "@" dot-atom-text): Python parses References and In-Reply-To as plain text
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
MSG_ID = re.compile(rf"<{_ATOM}(\.{_ATOM})*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*>")
LIST_ID = re.compile(rf"<{_ATOM}(\.{_ATOM})+>")  # RFC 2919: a dot-atom in angle brackets


@pytest.fixture
def sent(api, pipeline, frozen_clock) -> dict[str, Sent]:
    return made(api, pipeline, frozen_clock)


def parse(raw: bytes) -> EmailMessage:
    """Strict: a defect raises; the defects a parser only notes are checked on every part and header too."""
    message = BytesParser(policy=strict).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        assert part.defects == [], part.defects
        for name, value in part.items():
            assert value.defects == (), (name, value.defects)
    return message


def structure(message: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


@pytest.mark.parametrize("name", [kind.name for kind in KINDS])
def test_each_kind_is_strict_mime_with_the_standard_headers(sent, name):
    found = sent[name]
    message = parse(found.raw)
    settings = get_settings()

    assert [header for header in EVERY_MESSAGE_HAS if message[header] is None] == []
    assert message["From"] == formataddr((settings.product_name, settings.sender_email))
    assert [address.addr_spec for address in message["To"].addresses] == [found.kind.to]
    assert message["Subject"].strip() and message["Date"].datetime is not None
    alternative = ["multipart/alternative", "text/plain", "text/html"]
    assert structure(message) == (["multipart/mixed", *alternative, "application/pdf"] if found.kind.attachment
                                  else alternative)
    html = message.get_body(("html",))
    assert html is not None and "<h1" in html.get_content()
    tags = message["X-SES-MESSAGE-TAGS"]  # SES acts on it and removes it; moto keeps it
    assert (f"integration_id={found.integration_id}" in tags) if found.integration_id else "integration_id" not in tags
    assert message["Auto-Submitted"] == "auto-generated"
    domain = settings.sender_email.rpartition("@")[2]
    assert LIST_ID.fullmatch(message["List-Id"].rpartition(" ")[2]) and message["List-Id"].endswith(f".{domain}>")
    if found.integration_id:  # each recipient of a saved integration gets its own one-click link (RFC 8058)
        assert f"<{found.integration_id}." in message["List-Id"]
        assert message["List-Unsubscribe"].startswith(f"<{settings.console_url}/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    else:  # an unsaved draft has nothing to leave
        assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None


@pytest.mark.parametrize("name", [kind.name for kind in KINDS])
def test_each_kind_names_its_thread_or_none(sent, name):
    found = sent[name]
    message = parse(found.raw)
    domain = get_settings().sender_email.rpartition("@")[2]

    expected = f"<{found.thread}@{domain}>" if found.thread else None
    assert (message["References"], message["In-Reply-To"]) == (expected, expected)
    if expected:
        assert MSG_ID.fullmatch(expected) and message["References"] != message["Message-ID"]  # SES replaces ours


def test_the_mails_of_one_thing_share_id_and_subject_and_different_things_do_not(sent):
    threads: dict[str, list[EmailMessage]] = defaultdict(list)
    for found in sent.values():
        if found.thread:
            threads[found.thread].append(parse(found.raw))

    assert len(threads) == 5  # the vulnerability, two triggers, the weekly report series, the SLA reminders
    for messages in threads.values():
        assert len({(m["References"], m["Subject"]) for m in messages}) == 1
    assert len({messages[0]["References"] for messages in threads.values()}) == len(threads)
    paired = {name: sent[name].thread for name in ("vulnerability_detected", "vulnerability_fixed", "alert_threshold",
                                                    "alert_threshold_again", "report_attached", "report_linked")}
    assert len(set(paired.values())) == 3 and all(paired.values())
