"""Tenants and their API tokens: the tenant row keeps the count of admin tokens, so the last one is never revoked."""

from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple, Protocol

from chalicelib.models.integrations import Integration
from chalicelib.models.tenants import Tenant


class TokenRecord(NamedTuple):
    id: str
    tenant_id: str
    name: str
    role: str
    secret_hash: str
    created_at: str
    last_used_at: str | None = None


class Revoked(Enum):
    """What revoking a token came to."""

    DONE = "done"
    GONE = "gone"  # no such token
    LAST_ADMIN = "last_admin"  # the tenant's last admin token: kept
    RACED = "raced"  # the tenant's tokens changed meanwhile


class TenantStore(Protocol):
    def create(self, tenant: Tenant, default: Integration, admin: TokenRecord) -> bool:
        """The tenant with its default integration and first admin token, all or nothing; ``False`` if not written."""

    def get(self, tenant_id: str, consistent: bool = False) -> Tenant | None:
        """A live tenant (a deleted one is gone)."""

    def update(self, tenant_id: str, changes: dict[str, Any]) -> Tenant | None:
        """Apply JSON ``changes`` to a live tenant; ``None`` if there is none."""

    def tombstone(self, tenant_id: str, at: datetime) -> bool:
        """Mark a live tenant deleted at ``at``; ``False`` if there was none."""

    def state(self, tenant_id: str) -> str | None:
        """``"live"``, ``"deleted"`` (purged or not) or ``None`` (never existed)."""

    def purge(self, tenant_id: str) -> dict[str, int]:
        """Remove or expire every piece of a deleted tenant's data: kind → how many."""

    def issue_token(self, record: TokenRecord) -> bool:
        """Store a token with its tenant's admin count, only for a live tenant; ``False`` if there is none."""

    def token(self, token_id: str) -> TokenRecord | None: ...

    def tokens_page(self, tenant_id: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """The tenant's tokens (without their secrets), ``limit`` at a time."""

    def revoke_token(self, record: TokenRecord) -> Revoked:
        """Delete the token; an admin one only while the tenant keeps another."""
