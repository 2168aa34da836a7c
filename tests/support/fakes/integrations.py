"""In memory: the integration store (``chalicelib.stores.integrations``)."""

from chalicelib.errors import Conflict
from chalicelib.models.integrations import Integration
from chalicelib.settings import get_settings


class FakeIntegrations:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Integration] = {}

    def _names(self, tenant_id: str) -> dict[str, str]:
        return {i.name.casefold(): i.id for (tenant, _), i in self.rows.items() if tenant == tenant_id}

    def create(self, integration: Integration) -> None:
        key = (integration.tenant_id, integration.id)
        limit = get_settings().max_integrations_per_tenant
        if sum(tenant == integration.tenant_id for tenant, _ in self.rows) >= limit:
            raise Conflict(f"a tenant can have at most {limit} integrations; delete one first")
        if key in self.rows or integration.name.casefold() in self._names(integration.tenant_id):
            raise _name_taken(integration.name)
        self.rows[key] = integration

    def get(self, tenant_id: str, integration_id: str) -> Integration | None:
        return self.rows.get((tenant_id, integration_id))

    def get_many(self, keys: list[tuple[str, str]]) -> list[Integration]:
        return [self.rows[key] for key in keys if key in self.rows]

    def page(self, tenant_id: str, limit: int, cursor: str | None,
             consistent: bool = False) -> tuple[list[Integration], str | None]:
        ids = sorted(i for tenant, i in self.rows if tenant == tenant_id and (cursor is None or i > cursor))
        taken = ids[:limit]
        return [self.rows[tenant_id, i] for i in taken], taken[-1] if len(ids) > limit else None

    def all_for_tenant(self, tenant_id: str, consistent: bool = False) -> list[Integration]:
        return self.page(tenant_id, len(self.rows) + 1, None)[0]

    def replace(self, current: Integration, new: Integration) -> None:
        stored = self.rows.get((current.tenant_id, current.id))
        if stored is None or stored.version != current.version:
            raise Conflict("the integration was changed by another request; read it again and retry")
        if self._names(new.tenant_id).get(new.name.casefold(), new.id) != new.id:
            raise _name_taken(new.name)
        self.rows[new.tenant_id, new.id] = new

    def delete(self, integration: Integration) -> bool:
        return self.rows.pop((integration.tenant_id, integration.id), None) is not None


def _name_taken(name: str) -> Conflict:
    return Conflict(f"an integration named {name!r} already exists", [{"path": "name", "message": "already in use"}])
