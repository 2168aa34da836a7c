"""MIME messages: the one place an email is put together.

Header safety: Python's email package parses every header value it is given and, when it writes the message,
decodes the RFC 2047 encoded words in it, so ``=?utf-8?q?=0D=0ABcc:_x@evil.example?=`` in a title would become a
``Bcc:`` line of its own (Python 3.11.7 has no ``verify_generated_headers``). Neutralising such words in the input
would mean knowing every form a decoder accepts; instead no header value is handed to Python: :func:`build` writes
the header lines itself. Each value is cleaned (:func:`header_text`), then every printable ASCII word without
``=?`` is written as it is and every other run of words as base64 encoded words of our own, folded only at our own
spaces. The only ``=?`` in the header block is one we wrote, so nothing of the input is ever interpreted (a reader
sees an attacker's encoded word as the text it is), and each value is one header, on any Python. Addresses pass the
API's own validator (:func:`chalicelib.models.common.mail_address`; the configured sender: a plain dot-atom
address) or the message is not built. Python builds only the body parts, whose headers are its own.
"""

import base64
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from chalicelib.email import severity
from chalicelib.models.common import INVISIBLE, mail_address
from chalicelib.models.deliveries import Severity

TEST_PREFIX = "[Test message] "
# The body parts' lines: RFC 5322 allows 998.
_POLICY = SMTP.clone(max_line_length=998)
_SUBJECT_LIMIT = 200
_NAME_LIMIT = 64
# The characters names refuse (control, format, line and paragraph separators; models/common.py) and lone surrogates.
_INVISIBLE = re.compile(f"[{INVISIBLE}\\ud800-\\udfff]")
# A word written as it is: printable ASCII (in a display name, atext); a longer one is encoded, so no line passes
# RFC 5322's 998 characters.
_TEXT_WORD = re.compile(r"[!-~]{1,900}")
_PHRASE_WORD = re.compile(r"[A-Za-z0-9!#$%&'*+/?^_`{|}~-]{1,900}")
_FIELD_NAME = re.compile(r"[!-9;-~]{1,76}")  # RFC 5322 ftext
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_WORD_BYTES = 45  # 60 base64 characters: with "=?utf-8?b?" and "?=", 72 (RFC 2047: at most 75)
_FOLD_AT = 78


def plain_text(value: str) -> str:
    """Visible text only: control whitespace and line or paragraph separators become spaces; other control and
    format characters (NUL, bidi overrides, zero-width, BOM) and lone surrogates are dropped."""
    return _INVISIBLE.sub(lambda found: " " if found.group().isspace() else "", value)


def header_text(value: str, limit: int = _SUBJECT_LIMIT) -> str:
    """Visible text (:func:`plain_text`) on one line, spaces collapsed, at most ``limit`` characters."""
    collapsed = " ".join(plain_text(value).split())
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1] + "…"


def _encoded_words(text: str, size: int) -> list[str]:
    """``text`` as base64 UTF-8 encoded words of at most ``size`` bytes each, never splitting a character."""
    chunks = [b""]
    for char in text:
        data = char.encode()
        if len(chunks[-1]) + len(data) > size:
            chunks.append(b"")
        chunks[-1] += data
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode()}?=" for chunk in chunks if chunk]


def _encode(value: str, limit: int = _SUBJECT_LIMIT, plain: re.Pattern[str] = _TEXT_WORD,
           size: int = _WORD_BYTES) -> list[str]:
    """The words of a header value, for :func:`_line`: ``plain`` words without ``=?`` as they are, each run of
    others as encoded words (the spaces between a run and a plain word are kept by every decoder)."""
    words: list[str] = []
    run: list[str] = []
    for word in header_text(value, limit).split(" "):
        if plain.fullmatch(word) and "=?" not in word:
            words += _encoded_words(" ".join(run), size)
            run = []
            words.append(word)
        else:
            run.append(word)
    return words + _encoded_words(" ".join(run), size)


def _display_name(value: str) -> list[str]:
    """A display name's words: atoms as they are, each run of others as *one* encoded word (Python's address
    parser puts a space between adjacent ones), so it is kept short: 64 characters, a word of at most 356."""
    return _encode(value, _NAME_LIMIT, _PHRASE_WORD, size=_NAME_LIMIT * 4)


def _line(name: str, words: list[str]) -> str:
    """``name: words`` as one header field, folded before a space where a line would pass 78 characters."""
    if not _FIELD_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a header field name")
    line, length = f"{name}:", len(name) + 1
    for word in words:
        fold = length + 1 + len(word) > _FOLD_AT and length > len(name) + 1
        line += ("\r\n " if fold else " ") + word
        length = (1 if fold else length + 1) + len(word)
    return line + "\r\n"


def _sender(address: str) -> str:
    """The configured sender, checked for shape only (``email-report.local`` is not an address the API would take
    for a recipient, yet it is a fine sender on the local stack): dot-atoms, no ``=?``."""
    local, _, domain = address.rpartition("@")
    if not (_DOT_ATOM.fullmatch(local) and _DOT_ATOM.fullmatch(domain)) or "=?" in address:
        raise ValueError(f"{address!r} is not a sender address")
    return address


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class Content:
    """What an email says, before it is addressed."""

    subject: str
    html: str
    text: str
    attachments: tuple[Attachment, ...] = field(default=())
    # a key of email/threads.py: References and In-Reply-To name <thread@sender domain>; as_test drops it
    thread: str | None = None
    summary: str = ""  # what happened, in one line (the subject stays the same across a thread): digests list it
    severity: Severity = "info"  # email/severity.py decides it
    about: str | None = None  # what its snooze or mute links act on (models/snoozes.py); as_test drops it

    def as_test(self) -> "Content":
        return Content(TEST_PREFIX + self.subject, self.html, self.text, self.attachments, severity=self.severity)


DELIVERY_HEADER = "X-Email-Report-Delivery"


def header_fields(sender: str, sender_name: str, recipients: list[str], content: Content,
                  delivery_id: str | None = None, extra: dict[str, str] | None = None) -> list[tuple[str, list[str]]]:
    """The top-level header fields of :func:`build`'s message, each as its words; :class:`ValueError` when an
    address is not one the API would accept."""
    domain = _sender(sender).rpartition("@")[2]
    fields = [("From", [*_display_name(sender_name), f"<{sender}>"]),
              ("To", [", ".join(mail_address(recipient) for recipient in recipients)]),
              ("Subject", _encode(content.subject)),
              ("Date", [formatdate(usegmt=True)]),
              ("Message-ID", [make_msgid(domain=domain)]),
              ("Auto-Submitted", ["auto-generated"]),  # RFC 3834: auto-responders stay quiet
              *((name, [value]) for name, value in severity.headers(content.severity))]
    if content.thread and _DOT_ATOM.fullmatch(content.thread):
        fields += [(name, [f"<{content.thread}@{domain}>"]) for name in ("References", "In-Reply-To")]
    if delivery_id and (words := _encode(delivery_id)):
        fields.append((DELIVERY_HEADER, words))
    return fields + [(name, _encode(value, 998)) for name, value in (extra or {}).items()]


def build(sender: str, sender_name: str, recipients: list[str], content: Content,
          delivery_id: str | None = None, headers: dict[str, str] | None = None) -> bytes:
    """The raw RFC 5322 message: plain text, HTML alternative, attachments; ``delivery_id`` lets a
    reply, a bounce or an audit find the delivery log entry; ``headers`` are instructions to SES and list
    headers. See the module's docstring for how no value can become a header of its own."""
    head = "".join(_line(name, words) for name, words in
                   header_fields(sender, sender_name, recipients, content, delivery_id, headers))
    body = EmailMessage(policy=_POLICY)
    body.set_content(content.text)
    body.add_alternative(content.html, subtype="html")
    for attachment in content.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        body.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                            filename=re.sub(r"[^A-Za-z0-9._-]", "-", attachment.filename) or "attachment")
    return head.encode("ascii") + body.as_bytes()
