"""The delivery log as people read it: tries counted (a try sends each pending address its own message),
identical errors grouped with the addresses they hit, who got the message, and the retry schedule."""

from datetime import datetime
from typing import NamedTuple

from chalicelib.delivery.schedule import CYCLE_1, CYCLE_2, CYCLE_3
from chalicelib.models.deliveries import Delivery

REDRIVABLE = ("dead", "skipped")


def _cycle(delays: tuple[int, ...]) -> str:
    """``1, 3, 5, 10, 10 s``; a cycle of whole minutes is told in minutes, as the seed does: ``1, 1, 3, 5 min``."""
    if all(delay and delay % 60 == 0 for delay in delays):
        return ", ".join(str(delay // 60) for delay in delays) + " min"
    return ", ".join(str(delay) for delay in delays) + " s"


# The page tells the schedule the worker keeps (the cycles make up ``DELAYS``), never a copy of it.
RETRY_SCHEDULE = " · ".join(_cycle(cycle) for cycle in (CYCLE_1, CYCLE_2, CYCLE_3))


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
