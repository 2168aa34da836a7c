"""Digest periods: a local hour or a local day of the tenant's time zone, as UTC instants.

A period is identified by its UTC start, so DST is plain: the repeated local hour of an autumn night is two
periods (02:00–03:00 CEST, then 02:00–03:00 CET), the skipped spring hour none, and a day lasts 23, 24 or 25
hours from local midnight to local midnight. Where midnight does not exist (a zone that springs forward at
00:00) the day starts at the transition, as report periods do.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib import clock
from chalicelib.models.digests import DigestFrequency

_STEP = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}


@dataclass(frozen=True)
class DigestPeriod:
    """One digest period: ``start`` (inclusive) to ``end`` (exclusive), UTC."""

    frequency: DigestFrequency
    timezone: str
    start: datetime
    end: datetime

    def label(self) -> str:
        """``Wed 25 Nov 2026, 10:00–11:00 CET`` or ``Wed 25 Nov 2026``: what a reader in the zone calls it. An
        hour is told in its start's offset, so the two 02:00 hours of an autumn night read 02:00–03:00 CEST and
        02:00–03:00 CET."""
        first = clock.local(self.start, self.timezone)
        day = f"{first:%a} {first.day} {first:%b %Y}"
        if self.frequency == "daily":
            return day
        return f"{day}, {first:%H:%M}–{clock.shift(first, self.end - self.start):%H:%M} {first:%Z}"


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _start(frequency: DigestFrequency, timezone: str, moment: datetime) -> datetime:
    local = clock.local(moment, timezone)
    if frequency == "hourly":  # keeps the fold: the second 02:00 of a repeated hour stays the second
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    return _midnight(local.date(), timezone)


def _following(frequency: DigestFrequency, timezone: str, start: datetime) -> datetime:
    step = clock.shift(start, _STEP[frequency])
    if frequency == "daily":  # the next local date's midnight: 24 hours on may still be the same date (25-hour day)
        following = _midnight(clock.local(start, timezone).date() + timedelta(days=1), timezone)
    else:
        following = _start(frequency, timezone, step)
    # A zone whose clocks move by half an hour can truncate back onto the same start: then it is a plain step.
    return following if following > start else step


def period_containing(frequency: DigestFrequency, timezone: str, moment: datetime) -> DigestPeriod:
    """The period ``moment`` (aware) falls in."""
    start = _start(frequency, timezone, moment)
    if start > moment:  # the local hour's start does not exist (clocks sprang over it): begin one step earlier
        start = _start(frequency, timezone, clock.shift(moment, -_STEP[frequency]))
    end = _following(frequency, timezone, start)
    while end <= moment:  # the wall clock lags the instant around a repeated midnight or a half-hour shift
        start, end = end, _following(frequency, timezone, end)
    return DigestPeriod(frequency, timezone, start, end)
