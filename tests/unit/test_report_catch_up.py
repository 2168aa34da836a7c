"""The scheduler owes a schedule's periods from its look-back, or from its ``due_at`` when it missed that (an
upgrade, an outage), never more than ``CATCH_UP`` back."""

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.aws.report_schedules_repo import AT_ONCE, Due
from chalicelib.reports.periods import periods_ended_between
from chalicelib.reports.scheduler import CATCH_UP, owed_since

NOW = datetime(2026, 11, 28, 10, 5, tzinfo=UTC)
LOOKBACK = NOW - timedelta(hours=3)


@pytest.mark.parametrize(("due_at", "days"), [
    (AT_ONCE, []),  # new, or a new time zone: the look-back only
    ("2026-11-28T00:00:00Z", ["2026-11-27"]),  # missed this morning's firing: the look-back would skip it
    ("2026-11-27T00:00:00Z", ["2026-11-26", "2026-11-27"]),  # two days down during an upgrade
    ("2026-11-28T10:00:00Z", []),  # fired on time: as the look-back
])
def test_every_missed_day_is_owed(due_at, days):
    owed = periods_ended_between("daily", "UTC", owed_since(Due("t", "daily", due_at), LOOKBACK, NOW), NOW)
    assert [period.key for period in owed] == days


def test_a_schedule_missed_longer_than_the_bound_owes_only_the_bound():
    owed = owed_since(Due("t", "daily", "2026-08-01T00:00:00Z"), LOOKBACK, NOW)
    assert owed == NOW - CATCH_UP
    assert len(periods_ended_between("daily", "UTC", owed, NOW)) == CATCH_UP.days
