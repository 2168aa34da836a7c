"""The one clock of the service, replaceable so time-based rules can be tested."""

from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _source()


def set_source(source: Callable[[], datetime]) -> None:
    """Replace the time source (tests, the local stack's fast clock)."""
    global _source
    _source = source


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with seconds precision and a ``Z`` suffix."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
