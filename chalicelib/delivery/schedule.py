"""When the next try happens: the seed's three cycles for failures of the recipient's side, a backoff for failures
of our own sending capacity."""

from datetime import datetime, timedelta

from chalicelib import clock

CYCLE_1 = (1, 3, 5, 10, 10)
CYCLE_2 = (0, 1, 3, 5, 30)
CYCLE_3 = (60, 60, 180, 300, 600, 1800)
DELAYS: tuple[int, ...] = CYCLE_1 + CYCLE_2 + CYCLE_3
MAX_TRIES = len(DELAYS) + 1

# Throttling, the daily quota, SES outages: retried with a backoff up to 30 minutes for as long as a day (some 55
# tries: each try's attempts stay in the delivery's item, which DynamoDB caps at 400 KB)
SENDER_DELAYS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
SENDER_PATIENCE = timedelta(hours=24)


def delay_after(failed_try: int) -> int | None:
    """Seconds to wait after try ``failed_try`` (1-based) failed; ``None`` once the schedule is spent."""
    return DELAYS[failed_try - 1] if 1 <= failed_try <= len(DELAYS) else None


def sender_delay(waits: int, since: datetime, now: datetime) -> int | None:
    """Seconds to wait after the ``waits``-th try in a row failed for our own capacity only; ``None`` once
    ``SENDER_PATIENCE`` has passed since ``since`` (the delivery's start)."""
    if now >= clock.shift(since, SENDER_PATIENCE):
        return None
    return SENDER_DELAYS[min(max(waits, 1), len(SENDER_DELAYS)) - 1]
