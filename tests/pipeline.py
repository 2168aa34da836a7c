"""Drive the delivery pipeline as Lambda would: real SQS messages from moto, the worker invoked
through chalice's test client, mail read from moto's SES outbox. Time moves only by the clock."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.aws import deliveries_repo
from chalicelib.email import mailer
from chalicelib.models import FINAL_STATUSES
from chalicelib.settings import get_settings
from local.pollers import poll_once
from tests.support import scan


@dataclass
class Mail:
    sender: str
    to: list[str]
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes]]
    raw: bytes


def outbox() -> list[Mail]:
    """Every message moto's SES accepted, parsed."""
    mails = []
    for sent in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages:
        raw = sent.raw_data.encode() if isinstance(sent.raw_data, str) else sent.raw_data
        parsed: EmailMessage = message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
        text = parsed.get_body(("plain",))
        html = parsed.get_body(("html",))
        mails.append(Mail(
            sender=str(parsed["From"]), to=[a.strip() for a in str(parsed["To"]).split(",")],
            subject=str(parsed["Subject"]), text=text.get_content() if text else "",
            html=html.get_content() if html else "",
            attachments=[(part.get_filename(), part.get_content()) for part in parsed.iter_attachments()],
            raw=raw,
        ))
    return mails


@dataclass
class FlakySes:
    """moto's SES behind a switch: each queued error fails one send with SES's own error shape."""

    failures: list[tuple[str, str]] = field(default_factory=list)
    calls: int = 0

    def fail_next(self, times: int, code: str = "Throttling", message: str = "Maximum sending rate exceeded.") -> None:
        self.failures += [(code, message)] * times

    def send_raw(self, sender: str, recipients: list[str], raw: bytes) -> str:
        self.calls += 1
        if self.failures:
            code, message = self.failures.pop(0)
            raise mailer.SendError(code, message)
        return self.real(sender, recipients, raw)

    real: Callable[[str, list[str], bytes], str] = mailer.send_raw


@dataclass
class Pipeline:
    client: Any
    clock: Any

    def worker(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.client.lambda_.invoke("delivery_worker", event).payload

    def deliveries(self) -> list[dict[str, Any]]:
        return sorted(scan("deliveries_table"), key=lambda item: item["id"])

    def pending_due(self) -> datetime | None:
        due = [deliveries_repo.get(d["tenant_id"], d["id"]) for d in self.deliveries()
               if d["status"] not in FINAL_STATUSES]
        times = [d.next_try_at for d in due if d and d.next_try_at]
        return min(times) if times else None

    def drain(self, max_rounds: int = 500) -> None:
        """Run the worker until the queue is empty; when nothing is due, jump the clock to the next try."""
        queue_name = get_settings().delivery_queue
        for _ in range(max_rounds):
            due = self.pending_due()
            if due and due > self.clock.moment:
                self.clock.moment = due
            if not poll_once(queue_name, self.worker):
                return
        raise AssertionError("the delivery queue did not drain")
