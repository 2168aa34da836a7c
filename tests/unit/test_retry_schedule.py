"""The two retry schedules: the seed's cycles for the recipient's failures, a backoff for our own capacity's."""

from datetime import UTC, datetime, timedelta

from chalicelib.console.log_view import RETRY_SCHEDULE
from chalicelib.delivery.schedule import DELAYS, MAX_TRIES, SENDER_DELAYS, SENDER_PATIENCE, delay_after, sender_delay

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
# The product page's three cycles, as written there: "1, 3, 5, 10, 10 seconds", "0, 1, 3, 5, 30 seconds",
# "1, 1, 3, 5, 10, 30 minutes". Copied here on purpose: a change to the schedule must change this test too.
SEED_SECONDS = [1, 3, 5, 10, 10] + [0, 1, 3, 5, 30] + [60 * minutes for minutes in (1, 1, 3, 5, 10, 30)]


def test_recipient_failures_follow_the_seeds_cycles_then_stop():
    assert list(DELAYS) == SEED_SECONDS and MAX_TRIES == 17
    assert [delay_after(n) for n in range(0, 18)] == [None, *SEED_SECONDS, None]


def test_the_console_tells_the_seeds_cycles_in_the_seeds_units():
    assert RETRY_SCHEDULE == "1, 3, 5, 10, 10 s · 0, 1, 3, 5, 30 s · 1, 1, 3, 5, 10, 30 min"


def test_our_capacity_backs_off_to_half_an_hour_and_gives_up_after_a_day():
    assert [sender_delay(n, START, START) for n in range(1, 13)] == [*SENDER_DELAYS, 1800, 1800]
    assert sender_delay(40, START, START + SENDER_PATIENCE - timedelta(seconds=1)) == 1800
    assert sender_delay(40, START, START + SENDER_PATIENCE) is None
