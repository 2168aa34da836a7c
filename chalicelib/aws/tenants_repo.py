"""Tenants table: one item per tenant, keyed by ``id``."""

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import is_condition_failure, plain, put_op, scan_all
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


def update(tenant_id: str, changes: dict[str, Any]) -> Tenant | None:
    """Set only the changed fields, so concurrent changes of different fields all stay; ``None`` if no such tenant."""
    names = {f"#f{n}": field for n, field in enumerate(changes)}
    values = {f":v{n}": value for n, value in enumerate(changes.values())}
    try:
        response = _table().update_item(
            Key={"id": tenant_id}, ConditionExpression="attribute_exists(id)", ReturnValues="ALL_NEW",
            UpdateExpression="SET " + ", ".join(f"#f{n} = :v{n}" for n in range(len(changes))),
            ExpressionAttributeNames=names, ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if is_condition_failure(error):
            return None
        raise
    return Tenant.model_validate(plain(response["Attributes"]))


def all_tenants() -> list[Tenant]:
    """Every tenant (the report scheduler's hourly pass); cost grows with tenants only."""
    return [Tenant.model_validate(item) for item in scan_all(_table())]
