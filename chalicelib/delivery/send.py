"""The one way mail goes out, for the delivery worker's tries and Test integration's samples: a message of its
own for each recipient, built with the SES tags that let bounces and complaints find the tenant, sent, and SES's
answer kept per recipient, so one refused address never stops the others, nor one whose message cannot be built."""

from dataclasses import dataclass

from chalicelib.aws import mailer
from chalicelib.email.list_headers import MailingList
from chalicelib.email.message import Content, build
from chalicelib.models.common import mail_address
from chalicelib.observability import logger
from chalicelib.settings import get_settings

# The error code of a message that could not be built for its recipient (an address no mail can carry): like
# SES's refusal of an address, it is the recipient's side: it counts toward the integration's failure ratio and
# follows the retry schedule (each try re-reads the integration, so an address fixed meanwhile gets the mail).
NOT_BUILT = "MessageNotBuilt"


@dataclass(frozen=True)
class Outcome:
    """What SES did with one recipient's message: its message id, or its refusal."""

    recipient: str
    message_id: str | None = None
    error: mailer.SendError | None = None


def send_each(recipients: list[str], content: Content, tags: dict[str, str],
              delivery_id: str | None = None, *, listing: MailingList) -> list[Outcome]:
    """Build and send one message per recipient, with its own unsubscribe link (``listing``'s headers and the
    footer's line); SES's refusals and messages that cannot be built are outcomes, never exceptions."""
    settings = get_settings()
    headers = mailer.ses_headers(**tags)
    outcomes = []
    for recipient in recipients:
        try:
            personal, list_headers = listing.addressed(content, recipient)
            raw = build(settings.sender_email, settings.product_name, [recipient], personal, delivery_id,
                        headers | list_headers)
            address = mail_address(recipient)
        except Exception as error:  # whatever it is, it is this recipient's recorded failure, never a lost try
            logger.exception("message not built", extra={"recipient": recipient, "delivery_id": delivery_id})
            outcomes.append(Outcome(recipient, error=mailer.SendError(
                NOT_BUILT, f"no message could be built for this address: {error}")))
            continue
        try:
            outcomes.append(Outcome(recipient, message_id=mailer.send_raw(settings.sender_email, [address], raw)))
        except mailer.SendError as error:
            outcomes.append(Outcome(recipient, error=error))
    return outcomes
