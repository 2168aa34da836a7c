"""The integration store (``stores.integrations.IntegrationStore``) on the integrations table: ``tenant_id`` +
``sk``; ``int#<id>`` items, ``name#<name>`` uniqueness claims and one ``count`` item per tenant (the cap on
integrations)."""

from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import (
    all_pages,
    batch_get_one,
    count_op,
    delete_op,
    plain,
    put_op,
    query_page,
    transact,
    written,
)
from chalicelib.errors import Conflict
from chalicelib.models.integrations import Integration, new_unsubscribe_key
from chalicelib.settings import get_settings

PREFIX = "int#"
_COUNT = "count"


def _name() -> str:
    return get_settings().integrations_table


def key(tenant_id: str, integration_id: str) -> dict[str, str]:
    return {"tenant_id": tenant_id, "sk": PREFIX + integration_id}


def _name_key(tenant_id: str, name: str) -> dict[str, str]:
    return {"tenant_id": tenant_id, "sk": "name#" + name.casefold()}


def _item(integration: Integration) -> dict[str, Any]:
    return {
        **key(integration.tenant_id, integration.id),
        **integration.model_dump(mode="json", exclude={  # computed on read
            "suppressed_addresses", "warning", "health", "health_detail", "next_reports", "pdf_password_set"}),
        "version": integration.version, "failure_window_baseline": list(integration.failure_window_baseline),
        **({"unsubscribe_key": integration.unsubscribe_key} if integration.unsubscribe_key else {}),
        **({"pdf_password_sealed": integration.pdf_password_sealed} if integration.pdf_password_sealed else {}),
    }


def from_item(item: dict[str, Any]) -> Integration:
    return Integration.model_validate(plain(item))


def _name_claim(integration: Integration) -> dict[str, Any]:
    return put_op(
        _name(),
        {**_name_key(integration.tenant_id, integration.name), "integration_id": integration.id},
        "attribute_not_exists(sk)",
    )


def _name_taken(name: str) -> Conflict:
    return Conflict(f"an integration named {name!r} already exists", [{"path": "name", "message": "already in use"}])


def _count_op(tenant_id: str, delta: int, limit: int | None = None) -> dict[str, Any]:
    return count_op(_name(), {"tenant_id": tenant_id, "sk": _COUNT}, delta, limit)


def create_ops(integration: Integration) -> list[dict[str, Any]]:
    """The item, its name claim (both create-only) and a place under the tenant's cap, for one transaction."""
    return [put_op(_name(), _item(integration), "attribute_not_exists(sk)"), _name_claim(integration),
            _count_op(integration.tenant_id, 1, get_settings().max_integrations_per_tenant)]


def create(integration: Integration) -> None:
    reasons = transact(create_ops(integration))
    if reasons is None:
        return
    if reasons[2] == "ConditionalCheckFailed":
        limit = get_settings().max_integrations_per_tenant
        raise Conflict(f"a tenant can have at most {limit} integrations; delete one first")
    raise _name_taken(integration.name)


def get(tenant_id: str, integration_id: str) -> Integration | None:
    item = table(_name()).get_item(Key=key(tenant_id, integration_id), ConsistentRead=True).get("Item")
    return from_item(item) if item else None


def with_key(integration: Integration) -> Integration:
    """``integration`` with its unsubscribe key; one written before keys existed gets one now (once: the write
    bumps the version, so a change read before it is refused and retried rather than dropping the key)."""
    if integration.unsubscribe_key:
        return integration
    new = integration.model_copy(update={"unsubscribe_key": new_unsubscribe_key(), "version": integration.version + 1})
    if written(table(_name()).update_item, Key=key(integration.tenant_id, integration.id),
               UpdateExpression="SET unsubscribe_key = :k, version = version + :one",
               ConditionExpression="attribute_exists(sk) AND attribute_not_exists(unsubscribe_key)",
               ExpressionAttributeValues={":k": new.unsubscribe_key, ":one": 1}):
        return new
    return get(integration.tenant_id, integration.id) or integration  # another writer won, or it is gone


def get_many(keys: list[tuple[str, str]]) -> list[Integration]:
    """The integrations of ``(tenant_id, integration_id)`` keys that exist, 100 per request, in no order."""
    return [from_item(item) for item in batch_get_one(_name(), [key(*pair) for pair in keys])]


def page(tenant_id: str, limit: int, cursor: str | None,
         consistent: bool = False) -> tuple[list[Integration], str | None]:
    items, next_cursor = query_page(
        table(_name()),
        Key("tenant_id").eq(tenant_id) & Key("sk").begins_with(PREFIX),
        limit,
        cursor,
        PREFIX,
        lambda sk: {"tenant_id": tenant_id, "sk": sk},
        ConsistentRead=consistent,
    )
    return [from_item(item) for item in items], next_cursor


def all_for_tenant(tenant_id: str, consistent: bool = False) -> list[Integration]:
    return all_pages(lambda cursor: page(tenant_id, 100, cursor, consistent))


def replace(current: Integration, new: Integration) -> None:
    """Write ``new`` if nobody changed ``current`` meanwhile; moves the name claim on rename."""
    ops = [put_op(_name(), _item(new), "attribute_exists(sk) AND version = :v", {":v": current.version})]
    renamed = current.name.casefold() != new.name.casefold()
    if renamed:
        ops += [
            delete_op(_name(), _name_key(current.tenant_id, current.name)),
            _name_claim(new),
        ]
    reasons = transact(ops)
    if reasons is None:
        return
    if renamed and reasons[2] == "ConditionalCheckFailed":
        raise _name_taken(new.name)
    raise Conflict("the integration was changed by another request; read it again and retry")


def delete(integration: Integration) -> bool:
    """Remove the item and its name claim, freeing its place under the cap; ``False`` if it was already gone."""
    reasons = transact([
        delete_op(_name(), key(integration.tenant_id, integration.id), "attribute_exists(sk)"),
        delete_op(_name(), _name_key(integration.tenant_id, integration.name)),
        _count_op(integration.tenant_id, -1),
    ])
    return reasons is None
