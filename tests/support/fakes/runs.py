"""In memory: the report runs (``chalicelib.stores.runs``)."""

from datetime import datetime

from chalicelib.models.runs import Lateness, Run


class FakeRuns:
    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], Run] = {}
        self.watch: dict[tuple[str, str], datetime] = {}

    def queued(self, runs: list[tuple[Run, datetime]]) -> None:
        for run, watch_at in runs:
            key = (run.tenant_id, run.id)
            if (kept := self.runs.get(key)) is not None and kept.delivered_at is not None:
                continue
            self.runs.setdefault(key, run)
            self.watch.setdefault(key, watch_at)

    def _update(self, tenant_id: str, run_id: str, **changes: object) -> bool:
        if (run := self.runs.get((tenant_id, run_id))) is None:
            return False
        self.runs[tenant_id, run_id] = run.model_copy(update=changes)
        return True

    def stored(self, tenant_id: str, run_id: str, rendered_at: datetime, stored_at: datetime) -> None:
        if run := self.runs.get((tenant_id, run_id)):
            self._update(tenant_id, run_id, rendered_at=run.rendered_at or rendered_at,
                         stored_at=run.stored_at or stored_at)

    def delivered(self, tenant_id: str, run_id: str, at: datetime, integration_ids: list[str]) -> None:
        if run := self.runs.get((tenant_id, run_id)):
            self._update(tenant_id, run_id, delivered_at=run.delivered_at or at, integration_ids=integration_ids)
            self.watch.pop((tenant_id, run_id), None)

    def late(self, until: datetime) -> list[Run]:
        found = [self.runs[key] for key, watch_at in self.watch.items() if watch_at <= until]
        return sorted(found, key=lambda run: (run.report_time, run.id))

    def requeue(self, tenant_id: str, run_id: str, at: datetime, late: Lateness, watch_at: datetime) -> bool:
        run = self.runs.get((tenant_id, run_id))
        if run is None or run.requeued_at is not None:
            return False
        self._update(tenant_id, run_id, requeued_at=at, late=late)
        self.watch[tenant_id, run_id] = watch_at
        return True

    def give_up(self, tenant_id: str, run_id: str) -> None:
        self.watch.pop((tenant_id, run_id), None)

    def between(self, tenant_id: str, oldest: str, newest: str | None, frequency: str | None = None) -> list[Run]:
        found = [run for (tenant, _), run in self.runs.items() if tenant == tenant_id and oldest <= run.id
                 and (newest is None or run.id < newest) and frequency in (None, run.frequency)]
        return sorted(found, key=lambda run: run.id, reverse=True)
