"""The delivery log as people read it: tries counted (a try sends each pending address its own message),
identical errors grouped with the addresses they hit, and who got the message."""

from datetime import datetime
from typing import NamedTuple

from chalicelib.models.deliveries import Delivery

REDRIVABLE = ("dead", "skipped")


class ErrorGroup(NamedTuple):
    """One error text as SES gave it, with every address it hit and how often."""

    code: str | None
    error: str
    recipients: list[str]
    times: int
    last: datetime


class Entry(NamedTuple):
    delivery: Delivery
    tries: int
    errors: list[ErrorGroup]
    redrivable: bool


def entry(delivery: Delivery) -> Entry:
    groups: dict[tuple[str | None, str], ErrorGroup] = {}
    for attempt in delivery.attempts:
        if attempt.outcome == "sent":
            continue
        key = (attempt.error_code, attempt.error or "")
        seen = groups.get(key)
        recipients = [*(seen.recipients if seen else [])]
        if attempt.recipient and attempt.recipient not in recipients:
            recipients.append(attempt.recipient)
        groups[key] = ErrorGroup(key[0], key[1], recipients, (seen.times if seen else 0) + 1, attempt.at)
    tries = len({(attempt.number, attempt.at) for attempt in delivery.attempts})
    return Entry(delivery, tries, list(groups.values()), delivery.status in REDRIVABLE)
