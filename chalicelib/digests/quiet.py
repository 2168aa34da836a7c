"""Quiet hours: the one decision whether a notification is held for an integration's quiet digest, and the night it
is held for.

A range (``22:00``–``07:00``) is a night of the tenant's zone: from the instant the clock reads its start on a local
day to the instant it reads its end (the next day when the end is earlier), both found by
:func:`chalicelib.clock.reading`. So DST is plain: a start or end the clock skips (02:30 on the spring night in
Berlin) is the instant of the jump, a repeated one (02:30 on the autumn night) its first occurrence; a night is one
interval, never entered twice, and lasts an hour less or more across a change.
"""

from datetime import datetime, time, timedelta

from chalicelib import clock
from chalicelib.models.deliveries import Severity
from chalicelib.models.integrations import QuietHours

ALWAYS_INSTANT = "integration."  # event types about the integrations themselves: never gathered nor held


def _time(text: str) -> time:
    return time(int(text[:2]), int(text[3:]))


def night(quiet: QuietHours, timezone: str, moment: datetime) -> tuple[datetime, datetime] | None:
    """``[start, end)`` in UTC of the quiet night holding ``moment`` (aware), ``None`` outside the range."""
    start, end = _time(quiet.start), _time(quiet.end)
    today = clock.local(moment, timezone).date()
    # The night that began yesterday may still run; around a repeated midnight, tomorrow's may have begun.
    for offset in (-1, 0, 1):
        day = today + timedelta(days=offset)
        begins = clock.reading(day, start, timezone)
        ends = clock.reading(day + timedelta(days=1) if end < start else day, end, timezone)
        if begins <= moment < ends:
            return begins, ends
    return None


def held(quiet: QuietHours | None, timezone: str, moment: datetime, severity: Severity,
         event_type: str) -> tuple[datetime, datetime] | None:
    """The quiet night a mail of ``severity`` about ``event_type`` is held for at ``moment``, or ``None``: it goes
    as it would otherwise. High-risk mail and notices about integrations are never held."""
    if quiet is None or severity == "high" or event_type.startswith(ALWAYS_INSTANT):
        return None
    return night(quiet, timezone, moment)
