"""SES adapter: send a raw message, and the checks Test integration runs."""

import re
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from chalicelib.aws.clients import client
from chalicelib.email.message import Content, build
from chalicelib.settings import get_settings

_TAG_VALUE = re.compile(r"[^A-Za-z0-9_.@-]")


class SendError(Exception):
    """SES did not take the message; ``code`` and ``message`` are SES's own words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def ses_headers(**tags: str) -> dict[str, str]:
    """Headers SES acts on and removes: the configuration set that publishes bounces and complaints, and
    message tags it hands back with them (so feedback finds the tenant)."""
    headers = {"X-SES-MESSAGE-TAGS": ", ".join(f"{name}={_TAG_VALUE.sub('_', value)}"
                                               for name, value in tags.items())}
    if configuration_set := get_settings().ses_configuration_set:
        headers["X-SES-CONFIGURATION-SET"] = configuration_set
    return headers


def send_raw(sender: str, recipients: list[str], raw: bytes) -> str:
    """Send and return SES's message id, or raise :class:`SendError`."""
    try:
        response = client("ses").send_raw_email(Source=sender, Destinations=recipients, RawMessage={"Data": raw})
    except ClientError as error:
        details = error.response.get("Error", {})
        raise SendError(details.get("Code", "Unknown"), details.get("Message", str(error))) from error
    except BotoCoreError as error:
        raise SendError(type(error).__name__, str(error)) from error
    return response["MessageId"]


@dataclass(frozen=True)
class Outcome:
    """What SES did with one recipient's message: its message id, or its refusal."""

    recipient: str
    message_id: str | None = None
    error: SendError | None = None


def send_each(recipients: list[str], content: Content, delivery_id: str | None = None,
              headers: dict[str, str] | None = None) -> list[Outcome]:
    """Each recipient gets a message of its own, so one refused address never stops the others."""
    settings = get_settings()
    outcomes = []
    for recipient in recipients:
        raw = build(settings.sender_email, settings.product_name, [recipient], content, delivery_id, headers)
        try:
            outcomes.append(Outcome(recipient, message_id=send_raw(settings.sender_email, [recipient], raw)))
        except SendError as error:
            outcomes.append(Outcome(recipient, error=error))
    return outcomes


def sending_status() -> tuple[bool, str]:
    """Can the account send now? SES's sending switch and the 24-hour quota, in words."""
    ses = client("ses")
    quota = ses.get_send_quota()
    maximum, sent = quota["Max24HourSend"], quota["SentLast24Hours"]
    if maximum < 0:  # SES's word for an unlimited quota
        left, quota_text = 1.0, "no 24-hour sending quota"
    else:  # more than the quota may have gone out (SES counts late, the quota shrank): none left, never fewer
        left = max(0.0, maximum - sent)
        quota_text = f"{left:g} of {maximum:g} messages left in the 24-hour quota"
    try:
        enabled = bool(ses.get_account_sending_enabled().get("Enabled"))
    except (ClientError, ResponseParserError, NotImplementedError):
        # moto does not implement GetAccountSendingEnabled (in process it raises, its server answers an
        # unparsable 500); the quota still tells whether mail can go out
        return left > 0, f"{quota_text} (account sending switch not reported by this endpoint)"
    if not enabled:
        return False, "SES account sending is paused"
    return left > 0, f"account sending is enabled; {quota_text}"


def identity_status(address: str) -> str:
    """SES's verification status of the sender (or its domain): ``Success``, ``Pending``, … or ``NotFound``."""
    domain = address.rpartition("@")[2]
    attributes = client("ses").get_identity_verification_attributes(Identities=[address, domain])
    statuses = [attributes["VerificationAttributes"].get(identity, {}).get("VerificationStatus")
                for identity in (address, domain)]
    return "Success" if "Success" in statuses else next((s for s in statuses if s), "NotFound")
