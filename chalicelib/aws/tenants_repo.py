"""Tenants table: one item per tenant, keyed by ``id``."""

from typing import Any

from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import plain, put_op, scan_all
from chalicelib.models import Tenant
from chalicelib.settings import get_settings


def _table() -> Any:
    return table(get_settings().tenants_table)


def put_op_for(tenant: Tenant) -> dict[str, Any]:
    """Create-only ``Put`` of a new tenant, for a transaction."""
    return put_op(get_settings().tenants_table, tenant.model_dump(mode="json"), "attribute_not_exists(id)")


def get(tenant_id: str) -> Tenant | None:
    item = _table().get_item(Key={"id": tenant_id}).get("Item")
    return Tenant.model_validate(plain(item)) if item else None


def save(tenant: Tenant) -> None:
    _table().put_item(Item=tenant.model_dump(mode="json"))


def all_tenants() -> list[Tenant]:
    """Every tenant (the report scheduler's hourly pass); cost grows with tenants only."""
    return [Tenant.model_validate(item) for item in scan_all(_table())]
