"""The one clock of the service, replaceable so time-based rules can be tested, time arithmetic that
cannot overflow, and the one answer to "which local day, hour or minute of a tenant's zone, as UTC".

Python's datetimes end at years 1 and 9999; ``moment + timedelta`` or a time-zone conversion past either end
raises ``OverflowError``. Every TTL, window or period computed from a moment goes through :func:`shift`,
:func:`expiry` or :func:`local`, which *clamp* to [:data:`EARLIEST`, :data:`LATEST`] instead: a TTL beyond
the year 9999 means "never" either way, and a time shown in a tenant's zone stays a time.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731

# Two days inside Python's calendar: a clamped instant converts to any zone (offsets stay under a day) and
# its local day still has a following midnight.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)
DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)
OUTSIDE_CALENDAR = "lies outside the calendar (years 1 to 9999)"


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _source()


def set_source(source: Callable[[], datetime]) -> None:
    """Replace the time source (tests, the local stack's fast clock)."""
    global _source
    _source = source


def clamp(moment: datetime) -> datetime:
    """``moment`` (aware) limited to [``EARLIEST``, ``LATEST``]."""
    return min(max(moment, EARLIEST), LATEST)


def shift(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta`` (aware), clamped to [``EARLIEST``, ``LATEST``] instead of overflowing."""
    try:
        return clamp(moment + delta)
    except OverflowError:
        return LATEST if delta > timedelta() else EARLIEST


def expiry(moment: datetime, delta: timedelta) -> int:
    """Epoch seconds of ``shift(moment, delta)``: a DynamoDB TTL attribute."""
    return int(shift(moment, delta).timestamp())


def local(moment: datetime, timezone: str) -> datetime:
    """``moment`` (aware, clamped) in the IANA zone ``timezone``: what a tenant reads."""
    return clamp(moment).astimezone(ZoneInfo(timezone))


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with seconds precision and a ``Z`` suffix."""
    return clamp(moment).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def midnight(day: date, timezone: str) -> datetime:
    """The UTC instant at which the local ``day`` begins in ``timezone``; ``ValueError`` if that lies outside the
    calendar. A skipped midnight (clocks spring forward over 00:00) gives the transition, a repeated one its first
    occurrence."""
    return reading(day, time(0), timezone)


def at_hour(day: date, hour: int, timezone: str) -> datetime:
    """The UTC instant at which the wall clock of ``timezone`` first reads ``hour``:00 on the local ``day``
    (:func:`reading`): the spring-forward night's skipped 02:00 gives the next valid time (03:00), a repeated one
    its first occurrence, so a rule "at hour H" fires once."""
    return reading(day, time(hour), timezone)


def reading(day: date, wall: time, timezone: str) -> datetime:
    """The UTC instant at which the clock of ``timezone`` reads ``wall`` on the local ``day`` (:func:`midnight` for
    any time of day): a skipped reading gives the transition, a repeated one its first occurrence; ``ValueError``
    outside the calendar."""
    try:
        return _instant(datetime.combine(day, wall, tzinfo=ZoneInfo(timezone)))
    except OverflowError:
        raise ValueError(f"{wall:%H:%M} of {day.isoformat()} in {timezone} {OUTSIDE_CALENDAR}") from None


def _instant(wall: datetime) -> datetime:
    """The UTC instant at which the zone's clock reads ``wall`` (aware; its fold picks one of a repeated reading),
    or, for a reading the clock skipped, the instant it jumped over it."""
    at = wall.astimezone(UTC)
    if at.astimezone(wall.tzinfo).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return at
    # Skipped: read with the offset after the jump (fold=1) it falls before the jump, with the one before after it.
    before, after = wall.replace(fold=1).astimezone(UTC), at
    offset = after.astimezone(wall.tzinfo).utcoffset()
    while after - before > timedelta(seconds=1):  # zones change offset on whole seconds
        middle = before + timedelta(seconds=(after - before) // timedelta(seconds=2))
        before, after = (before, middle) if middle.astimezone(wall.tzinfo).utcoffset() == offset else (middle, after)
    return after


def _floor(moment: datetime, timezone: str, size: timedelta) -> datetime:
    """UTC instant at which the wall clock last read a multiple of ``size`` at or before ``moment``."""
    # Unclamped: :func:`span` stays within a day of the clamped range, which leaves two days of calendar each side.
    local_time = moment.astimezone(ZoneInfo(timezone))
    if size == DAY:  # a day starts at the first of two midnights, not at the occurrence the moment is in
        return midnight(local_time.date(), timezone)
    since = local_time.hour * 3600 + local_time.minute * 60 + local_time.second
    since -= since % int(size.total_seconds())
    # replace() keeps the fold, so the second 02:00 of a repeated hour starts the second hour, not the first.
    return _instant(local_time.replace(hour=since // 3600, minute=since // 60 % 60, second=since % 60, microsecond=0))


def _following(start: datetime, timezone: str, size: timedelta) -> datetime:
    """Where the block that begins at ``start`` ends: the next instant at which a block begins."""
    if size == DAY:  # the next date's midnight: 24 hours on may still be the same date (a 25-hour day)
        end = midnight(start.astimezone(ZoneInfo(timezone)).date() + DAY, timezone)
    else:
        end = _floor(start + size, timezone, size)
        # A clock set back by less than ``size`` (Lord Howe's 30 minutes) floors back onto ``start``: then the block
        # ends at that change, which the plain step reaches (the wall clock is continuous before it).
        end = end if end > start else start + size
    # A jump over a reading between them (St. John's sprang from 00:01 to 01:01) begins a block of its own.
    while (inner := _floor(end - _TICK, timezone, size)) > start:
        end = inner
    return end


def span(moment: datetime, timezone: str, size: timedelta) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the local day (``size`` = :data:`DAY`), hour or minute of ``timezone`` holding
    ``moment``: what every "per local day/hour" rule counts in. Blocks tile time. A day runs from local midnight to
    local midnight (23 or 25 hours across DST); an hour or minute starts when the wall clock reads a multiple of
    ``size`` (so a +05:45 zone's hours start at :15 UTC), or where the clock jumped over that reading (a 30-minute
    hour when Lord Howe springs forward); the repeated hour of an autumn night is two hours. A moment
    beyond the calendar's ends (:func:`clamp`) gets the block of the nearest moment within them."""
    moment = clamp(moment)
    start = _floor(moment, timezone, size)
    end = _following(start, timezone, size)
    while end <= moment:  # the wall clock lags the instant after a repeated midnight or a partial-hour change
        start, end = end, _following(end, timezone, size)
    return start, end
