"""The monthly rollups behind a report's trends: one small item per tenant and ended month."""

from typing import Protocol

from chalicelib.models.trends import Rollup


class RollupStore(Protocol):
    """Written once a month has ended, read twelve at a time."""

    def get_many(self, tenant_id: str, keys: list[str]) -> dict[str, Rollup]:
        """The stored rollups among ``keys`` (period keys), by key; one batch read, not one read each."""
        ...

    def put(self, tenant_id: str, rollup: Rollup) -> bool:
        """Store ``rollup`` unless its month is stored already (the first write stands); ``False`` then."""
        ...
