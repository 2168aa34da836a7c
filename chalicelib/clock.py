"""The one clock of the service, replaceable so time-based rules can be tested, and time arithmetic that
cannot overflow.

Python's datetimes end at years 1 and 9999; ``moment + timedelta`` or a time-zone conversion past either end
raises ``OverflowError``. Every TTL, window or period computed from a moment goes through :func:`shift`,
:func:`expiry` or :func:`local`, which *clamp* to [:data:`EARLIEST`, :data:`LATEST`] instead: a TTL beyond
the year 9999 means "never" either way, and a time shown in a tenant's zone stays a time.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731

# Two days inside Python's calendar: a clamped instant converts to any zone (offsets stay under a day) and
# its local day still has a following midnight.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)


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
