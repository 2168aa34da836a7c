"""The two retry schedules: the seed's cycles for the recipient's failures, a backoff for our own capacity's."""

from datetime import UTC, datetime, timedelta

from chalicelib.delivery.schedule import DELAYS, SENDER_DELAYS, SENDER_PATIENCE, delay_after, sender_delay

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_recipient_failures_follow_the_seeds_cycles_then_stop():
    assert [delay_after(n) for n in range(1, 18)] == [*DELAYS, None]


def test_our_capacity_backs_off_to_half_an_hour_and_gives_up_after_a_day():
    assert [sender_delay(n, START, START) for n in range(1, 13)] == [*SENDER_DELAYS, 1800, 1800]
    assert sender_delay(40, START, START + SENDER_PATIENCE - timedelta(seconds=1)) == 1800
    assert sender_delay(40, START, START + SENDER_PATIENCE) is None
