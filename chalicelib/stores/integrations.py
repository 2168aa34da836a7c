"""Where integrations are kept: what the integrations service, the health check and routing ask of storage."""

from typing import Protocol

from chalicelib.models.integrations import Integration


class IntegrationStore(Protocol):
    """Integrations with a name unique per tenant (case-insensitively) and a cap per tenant."""

    def create(self, integration: Integration) -> None:
        """Store a new integration; :class:`~chalicelib.errors.Conflict` if its name is taken or the tenant is at
        its cap (``settings.max_integrations_per_tenant``)."""

    def get(self, tenant_id: str, integration_id: str) -> Integration | None: ...

    def get_many(self, keys: list[tuple[str, str]]) -> list[Integration]:
        """The integrations of ``(tenant_id, integration_id)`` keys that exist, in no order."""

    def page(self, tenant_id: str, limit: int, cursor: str | None,
             consistent: bool = False) -> tuple[list[Integration], str | None]:
        """The tenant's integrations in id order, ``limit`` at a time."""

    def all_for_tenant(self, tenant_id: str, consistent: bool = False) -> list[Integration]: ...

    def replace(self, current: Integration, new: Integration) -> None:
        """Write ``new`` if ``current``'s version is still stored; :class:`~chalicelib.errors.Conflict` otherwise
        (with ``details`` when the new name is taken)."""

    def delete(self, integration: Integration) -> bool:
        """Remove it and free its name and its place under the cap; ``False`` if it was already gone."""
