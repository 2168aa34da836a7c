"""Report schedules: one per (tenant, frequency) that some active integration takes."""

from datetime import datetime
from typing import Protocol


class ScheduleStore(Protocol):
    def subscribe(self, tenant_id: str, frequency: str, first_due: datetime | None = None) -> None:
        """Make sure the schedule exists (due at ``first_due``, or at once) and give it a new subscription token;
        an existing one keeps its due time."""

    def subscription(self, tenant_id: str, frequency: str) -> str | None:
        """The schedule's current subscription token, if it exists."""

    def remove(self, tenant_id: str, frequency: str, token: str | None = None) -> bool:
        """Remove the schedule (if any), only while its token is still ``token`` when given; ``False``: the token
        was not the schedule's."""

    def make_due(self, tenant_id: str, frequencies: tuple[str, ...]) -> None:
        """The tenant's existing schedules of ``frequencies`` are due now."""
