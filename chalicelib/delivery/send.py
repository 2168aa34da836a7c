"""The one way mail goes out, for the delivery worker's tries and Test integration's samples: a message of its
own for each recipient, built with the SES tags that let bounces and complaints find the tenant, sent, and SES's
answer kept per recipient, so one refused address never stops the others."""

from dataclasses import dataclass

from chalicelib.email import mailer
from chalicelib.email.list_headers import MailingList
from chalicelib.email.message import Content, build
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class Outcome:
    """What SES did with one recipient's message: its message id, or its refusal."""

    recipient: str
    message_id: str | None = None
    error: mailer.SendError | None = None


def send_each(recipients: list[str], content: Content, tags: dict[str, str],
              delivery_id: str | None = None, *, listing: MailingList) -> list[Outcome]:
    """Build and send one message per recipient, with its own unsubscribe link (``listing``'s headers and the
    footer's line); SES's refusals are outcomes, never exceptions."""
    settings = get_settings()
    headers = mailer.ses_headers(**tags)
    outcomes = []
    for recipient in recipients:
        personal, list_headers = listing.addressed(content, recipient)
        raw = build(settings.sender_email, settings.product_name, [recipient], personal, delivery_id,
                    headers | list_headers)
        try:
            outcomes.append(Outcome(recipient, message_id=mailer.send_raw(settings.sender_email, [recipient], raw)))
        except mailer.SendError as error:
            outcomes.append(Outcome(recipient, error=error))
    return outcomes
