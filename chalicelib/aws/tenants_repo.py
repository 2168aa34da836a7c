"""Tenants table: one item per tenant, keyed by ``id``.

The item also counts the tenant's admin tokens (``admin_tokens``), so revoking the last one can be refused
in the same transaction that would delete it. A deleted tenant leaves a tombstone (``id``, ``created_at``,
``deleted_at``; no name or address), which every reader here treats as no tenant.
"""

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import (
    batch_get_one,
    is_condition_failure,
    plain,
    put_op,
    to_attribute_values,
    written,
)
from chalicelib.models.tenants import Tenant
from chalicelib.settings import get_settings


def _name() -> str:
    return get_settings().tenants_table


def _table() -> Any:
    return table(_name())


_LIVE = "attribute_exists(id) AND attribute_not_exists(deleted_at)"
_DETAILS = ("name", "primary_email", "timezone", "admin_tokens", "sla_days")  # what a tombstone drops


def put_op_for(tenant: Tenant, admin_tokens: int) -> dict[str, Any]:
    """Create-only ``Put`` of a new tenant with its number of admin tokens, for a transaction."""
    return put_op(_name(), {**tenant.model_dump(mode="json"), "admin_tokens": admin_tokens},
                  "attribute_not_exists(id)")


def admin_tokens_op(tenant_id: str, delta: int) -> dict[str, Any]:
    """The tenant-row part of a token transaction: issuing an admin token (``+1``) or another token (``0``)
    needs a live tenant; revoking an admin token (``-1``) needs another admin token to remain."""
    key = to_attribute_values({"id": tenant_id})
    if delta == 0:
        return {"ConditionCheck": {"TableName": _name(), "Key": key, "ConditionExpression": _LIVE}}
    condition = _LIVE if delta > 0 else "admin_tokens > :one"
    values = {":delta": delta, **({":one": 1} if delta < 0 else {})}
    return {"Update": {"TableName": _name(), "Key": key, "UpdateExpression": "ADD admin_tokens :delta",
                       "ConditionExpression": condition, "ExpressionAttributeValues": to_attribute_values(values)}}


def from_item(item: dict[str, Any] | None) -> Tenant | None:
    """The tenant an item holds; ``None`` for a tombstone."""
    return Tenant.model_validate(plain(item)) if item and "deleted_at" not in item else None


def get(tenant_id: str, consistent: bool = False) -> Tenant | None:
    """The tenant; ``None`` if there is none or it was deleted (``consistent``: a tombstone written a moment ago
    is seen, as authentication needs)."""
    return from_item(_table().get_item(Key={"id": tenant_id}, ConsistentRead=consistent).get("Item"))


def get_many(tenant_ids: set[str]) -> list[Tenant]:
    """The live tenants among ``tenant_ids``, 100 per request, in no order."""
    items = batch_get_one(_name(), [{"id": tenant_id} for tenant_id in sorted(tenant_ids)])
    return [Tenant.model_validate(item) for item in items if "deleted_at" not in item]


def state(tenant_id: str) -> str | None:
    """``"live"``, ``"deleted"`` (a tombstone) or ``None`` (never existed), read consistently: every
    authenticated request asks, so a deleted tenant's tokens stop at once."""
    item = _table().get_item(Key={"id": tenant_id}, ConsistentRead=True,
                             ProjectionExpression="id, deleted_at").get("Item")
    return None if not item else "deleted" if "deleted_at" in item else "live"


def tombstone(tenant_id: str, at: datetime) -> bool:
    """Mark the tenant deleted and drop its details; ``False`` if it does not exist or is already deleted."""
    return written(
        _table().update_item,
        Key={"id": tenant_id}, ConditionExpression=_LIVE,
        UpdateExpression="SET deleted_at = :at REMOVE " + ", ".join(f"#r{n}" for n in range(len(_DETAILS))),
        ExpressionAttributeNames={f"#r{n}": field for n, field in enumerate(_DETAILS)},
        ExpressionAttributeValues={":at": clock.iso(at)},
    )


def update(tenant_id: str, changes: dict[str, Any]) -> Tenant | None:
    """Set only the changed fields, so concurrent changes of different fields all stay; ``None`` if no such tenant."""
    names = {f"#f{n}": field for n, field in enumerate(changes)}
    values = {f":v{n}": value for n, value in enumerate(changes.values())}
    try:
        response = _table().update_item(
            Key={"id": tenant_id}, ConditionExpression=_LIVE, ReturnValues="ALL_NEW",
            UpdateExpression="SET " + ", ".join(f"#f{n} = :v{n}" for n in range(len(changes))),
            ExpressionAttributeNames=names, ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if is_condition_failure(error):
            return None
        raise
    return Tenant.model_validate(plain(response["Attributes"]))


def scan_page(after: str | None, limit: int) -> tuple[list[Tenant], str | None]:
    """Up to ``limit`` tenants' items after tenant ``after`` in Scan order (tombstones left out), and the id to go
    on after, or ``None`` at the end: the data migration's page (``tenants/upgrade.py``)."""
    params: dict[str, Any] = {"Limit": limit, **({"ExclusiveStartKey": {"id": after}} if after else {})}
    page = _table().scan(**params)
    live = [Tenant.model_validate(plain(item)) for item in page.get("Items", []) if "deleted_at" not in item]
    return live, page.get("LastEvaluatedKey", {}).get("id")
