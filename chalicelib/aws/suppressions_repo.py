"""Suppressions table: ``tenant_id`` + ``email`` (case-folded address), one item per suppressed address."""

from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import query_page
from chalicelib.models.suppressions import Suppression
from chalicelib.settings import get_settings


def _table() -> Any:
    return table(get_settings().suppressions_table)


def key(address: str) -> str:
    return address.strip().casefold()


def put(tenant_id: str, suppression: Suppression) -> None:
    """Add or refresh; the latest bounce or complaint of an address is the one kept."""
    _table().put_item(Item={"tenant_id": tenant_id, "email": key(suppression.email),
                            **suppression.model_dump(mode="json", exclude_none=True)})


def get(tenant_id: str, address: str) -> Suppression | None:
    item = _table().get_item(Key={"tenant_id": tenant_id, "email": key(address)}, ConsistentRead=True).get("Item")
    return Suppression.model_validate(item) if item else None


def page(tenant_id: str, limit: int, cursor: str | None) -> tuple[list[Suppression], str | None]:
    items, next_cursor = query_page(_table(), Key("tenant_id").eq(tenant_id), limit, cursor, "",
                                    lambda email: {"tenant_id": tenant_id, "email": email}, sort_attr="email")
    return [Suppression.model_validate(item) for item in items], next_cursor


def keys(tenant_id: str) -> set[str]:
    """Every suppressed address of the tenant, case-folded (read before each send: one Query)."""
    found: set[str] = set()
    params: dict[str, Any] = {"KeyConditionExpression": Key("tenant_id").eq(tenant_id),
                              "ProjectionExpression": "email", "ConsistentRead": True}
    while True:
        response = _table().query(**params)
        found |= {item["email"] for item in response.get("Items", [])}
        if "LastEvaluatedKey" not in response:
            return found
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def delete(tenant_id: str, address: str) -> bool:
    """``False`` if the address was not suppressed."""
    response = _table().delete_item(Key={"tenant_id": tenant_id, "email": key(address)}, ReturnValues="ALL_OLD")
    return "Attributes" in response
