"""In-memory :class:`~chalicelib.stores.rollups.RollupStore`."""

from chalicelib.models.trends import Rollup


class FakeRollupStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Rollup] = {}
        self.batch_reads = 0

    def get_many(self, tenant_id: str, keys: list[str]) -> dict[str, Rollup]:
        self.batch_reads += 1
        return {key: self.items[tenant_id, key] for key in keys if (tenant_id, key) in self.items}

    def put(self, tenant_id: str, rollup: Rollup) -> bool:
        if (tenant_id, rollup.key) in self.items:
            return False
        self.items[tenant_id, rollup.key] = rollup
        return True
