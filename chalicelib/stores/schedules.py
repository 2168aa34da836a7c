"""Report schedules: one per (tenant, frequency, report hour) that some active integration takes."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Due:
    """A schedule item found due: whose, which frequency and report hour, and the ``due_at`` it was found with."""

    tenant_id: str
    frequency: str
    due_at: str
    hour: int = 0


def schedule_name(frequency: str, hour: int = 0) -> str:
    """``weekly`` (hour 0: the name schedules had before report hours, so theirs stay valid), ``weekly@08``."""
    return frequency if hour == 0 else f"{frequency}@{hour:02d}"


def parse_name(name: str) -> tuple[str, int]:
    """(frequency, hour) of a :func:`schedule_name`."""
    frequency, _, hour = name.partition("@")
    return frequency, int(hour or 0)


class ScheduleStore(Protocol):
    def subscribe(self, tenant_id: str, frequency: str, first_due: datetime | None = None, hour: int = 0) -> None:
        """Make sure the schedule exists (due at ``first_due``, or at once) and give it a new subscription token;
        an existing one keeps its due time."""

    def subscription(self, tenant_id: str, frequency: str, hour: int = 0) -> str | None:
        """The schedule's current subscription token, if it exists."""

    def remove(self, tenant_id: str, frequency: str, token: str | None = None, hour: int = 0) -> bool:
        """Remove the schedule (if any), only while its token is still ``token`` when given; ``False``: the token
        was not the schedule's."""

    def make_due(self, tenant_id: str, frequencies: tuple[str, ...]) -> None:
        """The tenant's existing schedules of ``frequencies``, at every hour, are due now."""

    def overdue(self, until: datetime, limit: int) -> list[Due]:
        """Up to ``limit`` schedules of every tenant due at or before ``until`` that have a report time (not those
        due at once), oldest first; ``due_at`` as stored (UTC, ``2026-12-13T23:00:00Z``)."""
