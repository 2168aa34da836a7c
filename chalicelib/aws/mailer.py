"""SES adapter: send a raw message, the account's send rate, the checks Test integration runs, and whose side an
SES error is on (ours or the recipient's)."""

import re
from datetime import datetime, timedelta
from email.utils import parseaddr

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from chalicelib import clock
from chalicelib.aws.clients import client
from chalicelib.settings import get_settings

_TAG_VALUE = re.compile(r"[^A-Za-z0-9_.@-]")


# Our side, not the recipient's: SES's rate or daily quota, SES's own failures, the network.
_SENDER_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException", "LimitExceededException",
                           "ServiceUnavailable", "InternalFailure", "InternalError", "RequestTimeout",
                           "ReadTimeoutError", "ConnectTimeoutError", "EndpointConnectionError",
                           "ConnectionClosedError"})
_SENDER_WORDS = ("maximum sending rate exceeded", "daily message quota exceeded")
# Our setup, which only an operator can fix: the role may not send, the configuration set or the MAIL FROM domain
# is missing, or the account (or configuration set) is paused. Retried like our capacity, and it pages.
_MISCONFIGURED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "ConfigurationSetDoesNotExist",
                                  "ConfigurationSetDoesNotExistException", "ConfigurationSetSendingPausedException",
                                  "AccountSendingPausedException", "MailFromDomainNotVerified",
                                  "MailFromDomainNotVerifiedException"})
_MISCONFIGURED_WORDS = ("sending paused",)
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


class SendError(Exception):
    """SES did not take the message; ``code`` and ``message`` are SES's own words, ``status`` its HTTP status."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    @property
    def sender_side(self) -> bool:
        """Our side failed (capacity, SES 5xx, network, or our own setup: :func:`misconfigured`), not the
        recipient: it does not count against the integration and does not spend its retry schedule."""
        return sender_side(self.code, self.message) or (self.status or 0) >= 500


def sender_side(code: str | None, message: str | None) -> bool:
    """Whether an SES error code and message name our side of the send (see :attr:`SendError.sender_side`)."""
    return (code in _SENDER_CODES or any(words in (message or "").casefold() for words in _SENDER_WORDS)
            or misconfigured(code, message))


def misconfigured(code: str | None, message: str | None) -> bool:
    """Whether SES refused for our own setup, not our capacity or the recipient: the codes above, or a rejection
    that names our sender among the identities that failed SES's verification check (SES names every one; a
    recipient that is not verified, in the sandbox, is the integration's failure)."""
    if code in _MISCONFIGURED_CODES or any(words in (message or "").casefold() for words in _MISCONFIGURED_WORDS):
        return True
    sender = parseaddr(get_settings().sender_email)[1].casefold()
    return code == "MessageRejected" and sender in {found.casefold() for found in _ADDRESS.findall(message or "")}


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
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise SendError(details.get("Code", "Unknown"), details.get("Message", str(error)), status) from error
    except BotoCoreError as error:
        raise SendError(type(error).__name__, str(error)) from error
    return response["MessageId"]


_RATE_FOR = timedelta(minutes=10)
_rate: tuple[datetime, float] | None = None


def max_send_rate() -> float:
    """Messages per second the account may send: ``SES_MAX_SEND_RATE`` if set, else SES's ``MaxSendRate``
    (``GetSendQuota``), asked at most every 10 minutes per process."""
    global _rate
    if configured := get_settings().ses_max_send_rate:
        return configured
    now = clock.now()
    if _rate is None or not _rate[0] <= now < _rate[0] + _RATE_FOR:
        _rate = (now, max(1.0, float(client("ses").get_send_quota()["MaxSendRate"])))
    return _rate[1]


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
