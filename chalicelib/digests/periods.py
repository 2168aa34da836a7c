"""Digest periods: a local hour or a local day of the tenant's time zone, as UTC instants.

A period is the zone's hour or day as :func:`clock.span` finds it, identified by its UTC start, so DST is plain:
the repeated local hour of an autumn night is two periods (02:00–03:00 CEST, then 02:00–03:00 CET), the skipped
spring hour none, and a day lasts 23, 24 or 25 hours from local midnight to local midnight. Where midnight does
not exist (a zone that springs forward at 00:00) the day starts at the transition, as report periods do.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import clock
from chalicelib.models.digests import DigestFrequency, DigestKind

_STEP = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}


@dataclass(frozen=True)
class DigestPeriod:
    """One digest period: ``start`` (inclusive) to ``end`` (exclusive), UTC."""

    frequency: DigestKind
    timezone: str
    start: datetime
    end: datetime

    def label(self) -> str:
        """``Wed 25 Nov 2026, 10:00–11:00 CET``, ``Wed 25 Nov 2026`` or (quiet) ``Sat 28 Mar 2026, 22:00 CET – Sun 29
        Mar 2026, 07:00 CEST``: what a reader in the zone calls it. An
        hour is told in its start's offset, so the two 02:00 hours of an autumn night read 02:00–03:00 CEST and
        02:00–03:00 CET."""
        first = clock.local(self.start, self.timezone)
        day = _day(first)
        if self.frequency == "daily":
            return day
        if self.frequency == "quiet":  # a night: each end in its own offset (a DST change may fall between)
            last = clock.local(self.end, self.timezone)
            return f"{day}, {first:%H:%M %Z} – {_day(last)}, {last:%H:%M %Z}"
        return f"{day}, {first:%H:%M}–{clock.shift(first, self.end - self.start):%H:%M} {first:%Z}"


def _day(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


def period_containing(frequency: DigestFrequency, timezone: str, moment: datetime) -> DigestPeriod:
    """The period ``moment`` (aware) falls in (of the nearest moment within the calendar, for one beyond it)."""
    return DigestPeriod(frequency, timezone, *clock.span(moment, timezone, _STEP[frequency]))
