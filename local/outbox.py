"""The local outbox: mail that moto's SES accepted, as a page and as JSON. Local stack only:
``local/stack.py`` registers this blueprint; the deployed app never has it."""

import base64
import json
from dataclasses import asdict, dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from chalice import Blueprint, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.email.message import DELIVERY_HEADER
from chalicelib.settings import get_settings

bp = Blueprint(__name__)
_PAGES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape())


@dataclass
class Mail:
    sender: str
    to: list[str]
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes]]
    delivery_id: str | None
    raw: bytes
    list_unsubscribe: str | None = None  # the one-click link (<https://…>), per recipient


def parse(raw: bytes) -> Mail:
    message: EmailMessage = message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
    text, body = message.get_body(("plain",)), message.get_body(("html",))
    return Mail(
        sender=str(message["From"]), to=[a.strip() for a in str(message["To"]).split(",")],
        subject=str(message["Subject"]), text=text.get_content() if text else "",
        html=body.get_content() if body else "",
        attachments=[(part.get_filename() or "", part.get_content()) for part in message.iter_attachments()],
        delivery_id=message[DELIVERY_HEADER], raw=raw, list_unsubscribe=message["List-Unsubscribe"],
    )


def messages() -> list[Mail]:
    """Every message moto's SES accepted, oldest first."""
    sent = ses_backends[DEFAULT_ACCOUNT_ID][get_settings().aws_region].sent_messages
    return [parse(m.raw_data.encode() if isinstance(m.raw_data, str) else m.raw_data) for m in sent]


def _summary(mail: Mail, with_content: bool = False) -> dict[str, object]:
    data = asdict(mail)
    data.pop("raw")
    data["attachments"] = [
        {"filename": name, "bytes": len(content),
         **({"data_url": "data:application/pdf;base64," + base64.b64encode(content).decode()} if with_content else {})}
        for name, content in mail.attachments
    ]
    return data


@bp.route("/local/outbox.json")
def outbox_json() -> Response:
    return Response(json.dumps([_summary(m) for m in reversed(messages())]),
                    headers={"Content-Type": "application/json"})


@bp.route("/local/outbox")
def outbox_page() -> Response:
    page = _PAGES.get_template("outbox.html").render(mails=[_summary(m, True) for m in reversed(messages())])
    return Response(page, headers={"Content-Type": "text/html; charset=utf-8"})
