"""In memory: tenants and their tokens (``chalicelib.stores.tenants``)."""

from datetime import datetime
from typing import Any

from chalicelib.errors import Conflict
from chalicelib.models.integrations import Integration
from chalicelib.models.tenants import Tenant
from chalicelib.stores.tenants import Revoked, TokenRecord
from tests.support.fakes.integrations import FakeIntegrations

_LISTED = ("id", "tenant_id", "name", "role", "created_at", "last_used_at")  # what the tokens index projects


class FakeTenants:
    """Shares the integration store it is given, as the tables do: a tenant is created with its default one."""

    def __init__(self, integrations: FakeIntegrations) -> None:
        self.integrations = integrations
        self.live: dict[str, Tenant] = {}
        self.deleted: dict[str, datetime] = {}
        self.tokens: dict[str, TokenRecord] = {}
        self.purged: list[str] = []

    def _admins(self, tenant_id: str) -> int:
        return sum(t.tenant_id == tenant_id and t.role == "admin" for t in self.tokens.values())

    def create(self, tenant: Tenant, default: Integration, admin: TokenRecord) -> bool:
        if tenant.id in self.live or tenant.id in self.deleted or admin.id in self.tokens:
            return False
        try:
            self.integrations.create(default)
        except Conflict:
            return False
        self.live[tenant.id] = tenant
        self.tokens[admin.id] = admin
        return True

    def get(self, tenant_id: str, consistent: bool = False) -> Tenant | None:
        return self.live.get(tenant_id)

    def update(self, tenant_id: str, changes: dict[str, Any]) -> Tenant | None:
        if tenant_id not in self.live:
            return None
        current = self.live[tenant_id].model_dump(mode="json")
        self.live[tenant_id] = Tenant.model_validate({**current, **changes})
        return self.live[tenant_id]

    def tombstone(self, tenant_id: str, at: datetime) -> bool:
        if self.live.pop(tenant_id, None) is None:
            return False
        self.deleted[tenant_id] = at
        return True

    def state(self, tenant_id: str) -> str | None:
        return "live" if tenant_id in self.live else "deleted" if tenant_id in self.deleted else None

    def purge(self, tenant_id: str) -> dict[str, int]:
        self.purged.append(tenant_id)
        tokens = [i for i, t in self.tokens.items() if t.tenant_id == tenant_id]
        for token_id in tokens:
            del self.tokens[token_id]
        integrations = self.integrations.all_for_tenant(tenant_id)
        for integration in integrations:
            self.integrations.delete(integration)
        return {"tokens": len(tokens), "integrations_table": len(integrations)}

    def issue_token(self, record: TokenRecord) -> bool:
        if record.tenant_id not in self.live or record.id in self.tokens:
            return False
        self.tokens[record.id] = record
        return True

    def token(self, token_id: str) -> TokenRecord | None:
        return self.tokens.get(token_id)

    def tokens_page(self, tenant_id: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        ids = sorted(i for i, t in self.tokens.items() if t.tenant_id == tenant_id and (cursor is None or i > cursor))
        shown = [{k: v for k, v in self.tokens[i]._asdict().items() if k in _LISTED and v is not None}
                 for i in ids[:limit]]
        return shown, ids[limit - 1] if len(ids) > limit else None

    def revoke_token(self, record: TokenRecord) -> Revoked:
        stored = self.tokens.get(record.id)
        if stored is None or stored.tenant_id != record.tenant_id:
            return Revoked.GONE
        if record.role == "admin" and self._admins(record.tenant_id) <= 1:
            return Revoked.LAST_ADMIN
        del self.tokens[record.id]
        return Revoked.DONE
