"""Report periods in a tenant's time zone: local calendar days, ISO weeks (Monday 00:00) and months.

Pure functions over aware datetimes. A period runs from local midnight of its first day to local
midnight after its last day (:func:`clock.midnight`), so a day may last 23 or 25 hours across a DST change.
Where local midnight does not exist (a zone that springs forward at 00:00) the day starts at the transition.
A period that would begin or end outside Python's calendar (years 1 to 9999, in the zone) is refused with
a ``ValueError`` naming the calendar, never an ``OverflowError``.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, get_args

from chalicelib import clock
from chalicelib.models.reports import PERIOD_NOUNS

Frequency = Literal["daily", "weekly", "monthly"]
FREQUENCIES: tuple[Frequency, ...] = get_args(Frequency)

OUTSIDE_CALENDAR = clock.OUTSIDE_CALENDAR


def _plus_days(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise ValueError(f"a period next to {day.isoformat()} {OUTSIDE_CALENDAR}") from None


def _first_day(frequency: Frequency, day: date) -> date:
    if frequency == "daily":
        return day
    if frequency == "weekly":
        return day - timedelta(days=day.weekday())  # year 1 began on a Monday: never before the calendar
    return day.replace(day=1)


def _following_first_day(frequency: Frequency, first: date) -> date:
    if frequency == "daily":
        return _plus_days(first, 1)
    if frequency == "weekly":
        return _plus_days(first, 7)
    return _plus_days(first, 31).replace(day=1)  # from the 1st, 31 days always land early in the next month


@dataclass(frozen=True)
class Period:
    """One report period: local days ``first_day``..``last_day`` (inclusive) in ``timezone``."""

    frequency: Frequency
    timezone: str
    first_day: date

    def __post_init__(self) -> None:
        """Refuse (``ValueError``) a period that ends beyond the calendar: every use of a period reads its end.
        ``start`` refuses on its own where the first midnight falls before the year 1 in UTC."""
        _ = self.end

    @property
    def last_day(self) -> date:
        return _following_first_day(self.frequency, self.first_day) - timedelta(days=1)

    @property
    def start(self) -> datetime:
        """First instant of the period (UTC)."""
        return clock.midnight(self.first_day, self.timezone)

    @property
    def end(self) -> datetime:
        """First instant after the period (UTC, exclusive)."""
        return clock.midnight(_following_first_day(self.frequency, self.first_day), self.timezone)

    @property
    def key(self) -> str:
        """``2026-11-24`` (day), ``2026-W48`` (ISO week), ``2026-11`` (month)."""
        if self.frequency == "daily":
            return self.first_day.isoformat()
        if self.frequency == "weekly":
            year, week, _ = self.first_day.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first_day.year}-{self.first_day.month:02d}"

    @property
    def noun(self) -> str:
        """``day``, ``week`` or ``month`` (for "vs previous week")."""
        return PERIOD_NOUNS[self.frequency]

    def days(self) -> list[date]:
        """The local calendar days of the period, in order."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]

    def previous(self) -> "Period":
        return Period(self.frequency, self.timezone, _first_day(self.frequency, _plus_days(self.first_day, -1)))

    def next(self) -> "Period":
        return Period(self.frequency, self.timezone, _following_first_day(self.frequency, self.first_day))

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def period_containing(frequency: Frequency, timezone: str, moment: datetime) -> Period:
    """The period that ``moment`` (aware) falls in; ``ValueError`` for a moment beyond :func:`clock.clamp`."""
    if clock.clamp(moment) != moment:
        raise ValueError(f"{moment.isoformat()} {OUTSIDE_CALENDAR}")
    day_start, _ = clock.span(moment, timezone, clock.DAY)
    return Period(frequency, timezone, _first_day(frequency, clock.local(day_start, timezone).date()))


def last_complete(frequency: Frequency, timezone: str, now: datetime) -> Period:
    """The most recent period that has fully ended at ``now``."""
    return period_containing(frequency, timezone, now).previous()


def period_ending_on(frequency: Frequency, timezone: str, last_day: date) -> Period:
    """The period whose last included local day is ``last_day``; ``ValueError`` if no period ends that day."""
    period = Period(frequency, timezone, _first_day(frequency, last_day))
    if period.last_day != last_day:
        raise ValueError(
            f"a {frequency} period cannot end on {last_day.isoformat()} ({last_day:%A}); "
            f"the {period.noun} containing it ends on {period.last_day.isoformat()}"
        )
    return period


def period_from_key(frequency: Frequency, timezone: str, key: str) -> Period:
    """Inverse of :attr:`Period.key`; ``ValueError`` for a malformed key."""
    try:
        if frequency == "daily":
            first = date.fromisoformat(key)
        elif frequency == "weekly":
            year, week = key.split("-W")
            first = date.fromisocalendar(int(year), int(week), 1)
        else:
            year, month = key.split("-")
            first = date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(f"{key!r} is not a {frequency} period key") from None
    period = Period(frequency, timezone, first)
    if period.key != key:
        raise ValueError(f"{key!r} is not a {frequency} period key")
    return period


def report_id(period: Period) -> str:
    """``20261125T0800Z-daily-2026-11-24``: sorts by the period's end (UTC), readable, URL-safe."""
    return f"{period.end:%Y%m%dT%H%M}Z-{period.frequency}-{period.key}"


def report_time(period: Period, hour: int) -> datetime:
    """When the report of ``period`` goes to an integration with ``report_hour`` ``hour``: that hour of the local day
    after the period (``clock.at_hour``: a skipped hour gives the next valid time, a repeated one its first
    occurrence); hour 0 is the period's end."""
    return clock.at_hour(_plus_days(period.last_day, 1), hour, period.timezone)


def periods_ended_between(frequency: Frequency, timezone: str, after: datetime, until: datetime,
                          hour: int = 0) -> list[Period]:
    """Periods whose :func:`report_time` at ``hour`` (hour 0: their end) lies in ``(after, until]``, oldest first:
    what an hourly scheduler owes."""
    ended: list[Period] = []
    period = period_containing(frequency, timezone, until).previous()  # the current one's report time is later
    while (at := report_time(period, hour)) > after:
        if at <= until:
            ended.append(period)
        period = period.previous()
    return ended[::-1]


def next_report_time(frequency: Frequency, timezone: str, hour: int, now: datetime) -> datetime:
    """The first report time at ``hour`` after ``now``: the last period's, while its hour has not come, else the
    current period's."""
    current = period_containing(frequency, timezone, now)
    last = report_time(current.previous(), hour)
    return last if last > now else report_time(current, hour)
