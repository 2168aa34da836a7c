"""MIME messages: the one place an email is put together."""

import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid

TEST_PREFIX = "[Test message] "
# RFC 5322 allows 998; folding at 78 makes Python start some subjects with a blank line.
_POLICY = SMTP.clone(max_line_length=998)
_SUBJECT_LIMIT = 200


def header_text(value: str, limit: int = _SUBJECT_LIMIT) -> str:
    """Text safe for a header: control and separator characters become spaces, so no CR/LF gets in."""
    cleaned = "".join(" " if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} else ch for ch in value)
    collapsed = " ".join(cleaned.split())
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1] + "…"


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

    def as_test(self) -> "Content":
        return Content(TEST_PREFIX + self.subject, self.html, self.text, self.attachments)


DELIVERY_HEADER = "X-Email-Report-Delivery"


def build(sender: str, sender_name: str, recipients: list[str], content: Content,
          delivery_id: str | None = None, headers: dict[str, str] | None = None) -> bytes:
    """The raw RFC 5322 message: plain text, HTML alternative, attachments; ``delivery_id`` lets a
    reply, a bounce or an audit find the delivery log entry; ``headers`` are instructions to SES."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = formataddr((header_text(sender_name), sender))
    message["To"] = ", ".join(recipients)
    message["Subject"] = header_text(content.subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders stay quiet
    if content.thread and (domain := sender.rpartition("@")[2]):
        message["References"] = f"<{content.thread}@{domain}>"
        message["In-Reply-To"] = f"<{content.thread}@{domain}>"
    if delivery_id:
        message[DELIVERY_HEADER] = header_text(delivery_id)
    for name, value in (headers or {}).items():
        message[name] = header_text(value, 998)
    message.set_content(content.text)
    message.add_alternative(content.html, subtype="html")
    for attachment in content.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message.as_bytes()
