"""Report runs (``models/runs.py``): recorded where each stage happens and watched until their mail exists, so the
watchdog (``reports/watchdog.py``) reads only the runs that are late. Implementations: ``aws/runs_repo.py``
(DynamoDB), ``tests/support/fakes/runs.py``."""

from datetime import datetime
from typing import Protocol

from chalicelib.models.runs import Lateness, Run


class RunStore(Protocol):
    def queued(self, runs: list[tuple[Run, datetime]]) -> None:
        """Record each run as queued (a run queued before keeps its first time) and watch it until ``watch_at`` (the
        second item), unless it was delivered already."""

    def stored(self, tenant_id: str, run_id: str, rendered_at: datetime, stored_at: datetime) -> None:
        """Its report is rendered and stored (the first times stand); nothing for a run never queued."""

    def delivered(self, tenant_id: str, run_id: str, at: datetime, integration_ids: list[str]) -> None:
        """Each of ``integration_ids`` has its delivery: no longer watched; nothing for a run never queued."""

    def late(self, until: datetime) -> list[Run]:
        """Every watched run whose watch ended at or before ``until``, oldest watch first."""

    def requeue(self, tenant_id: str, run_id: str, at: datetime, late: Lateness, watch_at: datetime) -> bool:
        """Mark the run re-queued because it is ``late`` and watch it until ``watch_at``: ``True`` the first time
        only (later calls change nothing)."""

    def give_up(self, tenant_id: str, run_id: str) -> None:
        """Stop watching the run (it was re-queued once and is late again): it stays listed, late."""

    def between(self, tenant_id: str, oldest: str, newest: str | None, frequency: str | None = None) -> list[Run]:
        """The tenant's runs with ``oldest <= id < newest`` (``None``: no upper bound), newest first."""
