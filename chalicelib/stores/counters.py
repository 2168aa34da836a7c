"""Send-request counters: hourly buckets per integration (the failure ratio) and once-per-window marks."""

from datetime import datetime, timedelta
from typing import Protocol

Bucket = tuple[datetime, int, int]  # (hour, requests, failed requests)


class CounterStore(Protocol):
    def count_requests(self, tenant_id: str, integration_id: str, at: datetime, total: int, failed: int) -> None:
        """Add ``total`` requests, ``failed`` of them failed, to the hour of ``at``."""

    def request_buckets(self, tenant_id: str, integration_id: str, since: datetime) -> list[Bucket]:
        """The integration's hourly buckets from the hour of ``since`` on, oldest first."""

    def failing(self, since: datetime) -> dict[tuple[str, str], list[Bucket]]:
        """Every ``(tenant_id, integration_id)`` with a failed request since the hour of ``since``, with its
        buckets from then on."""

    def mark_once(self, key: str, at: datetime, hold: timedelta) -> bool:
        """``True`` for the first mark of ``key`` in ``hold`` (later ones, until it ends, are ``False``)."""
