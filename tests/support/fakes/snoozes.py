"""In memory: the snooze store (``chalicelib.stores.snoozes``)."""

from datetime import datetime

from chalicelib.models.snoozes import Snooze


class FakeSnoozes:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Snooze] = {}
        self.links: set[tuple[str, str]] = set()

    def record(self, snooze: Snooze, link_id: str | None = None, link_until: datetime | None = None) -> bool:
        if link_id is not None:
            if (snooze.tenant_id, link_id) in self.links:
                return False
            self.links.add((snooze.tenant_id, link_id))
        self.rows[snooze.tenant_id, snooze.id] = snooze.model_copy(deep=True)
        return True

    def used(self, tenant_id: str, link_id: str) -> bool:
        return (tenant_id, link_id) in self.links

    def get(self, tenant_id: str, snooze_id: str) -> Snooze | None:
        found = self.rows.get((tenant_id, snooze_id))
        return found.model_copy(deep=True) if found else None

    def get_many(self, tenant_id: str, snooze_ids: set[str]) -> list[Snooze]:
        return [found for snooze_id in snooze_ids if (found := self.get(tenant_id, snooze_id))]

    def page(self, tenant_id: str, limit: int, cursor: str | None) -> tuple[list[Snooze], str | None]:
        ids = sorted(i for tenant, i in self.rows if tenant == tenant_id and (cursor is None or i > cursor))
        taken = ids[:limit]
        return [self.rows[tenant_id, i] for i in taken], taken[-1] if len(ids) > limit else None

    def delete(self, tenant_id: str, snooze_id: str) -> bool:
        return self.rows.pop((tenant_id, snooze_id), None) is not None
