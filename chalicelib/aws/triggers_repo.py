"""Triggers table: ``tenant_id`` + ``sk``; ``trg#<id>`` items and one ``count`` item per tenant (the limit)."""

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import (
    all_pages,
    count_op,
    delete_op,
    is_condition_failure,
    plain,
    put_op,
    query_page,
    transact,
    written,
)
from chalicelib.errors import Conflict
from chalicelib.models.triggers import Trigger
from chalicelib.settings import get_settings

PREFIX = "trg#"
_COUNT = "count"


def _name() -> str:
    return get_settings().triggers_table


def _key(tenant_id: str, trigger_id: str) -> dict[str, str]:
    return {"tenant_id": tenant_id, "sk": PREFIX + trigger_id}


def _item(trigger: Trigger) -> dict[str, Any]:
    return {**_key(trigger.tenant_id, trigger.id), **trigger.model_dump(mode="json"), "tenant_id": trigger.tenant_id,
            "version": trigger.version}


def _from_item(item: dict[str, Any]) -> Trigger:
    return Trigger.model_validate(plain(item))


def _count_op(tenant_id: str, delta: int, limit: int | None = None) -> dict[str, Any]:
    return count_op(_name(), {"tenant_id": tenant_id, "sk": _COUNT}, delta, limit)


def create(trigger: Trigger, limit: int) -> bool:
    """Store a new trigger unless the tenant already has ``limit``; ``False`` when at the limit."""
    reasons = transact([put_op(_name(), _item(trigger), "attribute_not_exists(sk)"),
                        _count_op(trigger.tenant_id, 1, limit)])
    return reasons is None


def get(tenant_id: str, trigger_id: str) -> Trigger | None:
    item = table(_name()).get_item(Key=_key(tenant_id, trigger_id), ConsistentRead=True).get("Item")
    return _from_item(item) if item else None


def page(tenant_id: str, limit: int, cursor: str | None) -> tuple[list[Trigger], str | None]:
    items, next_cursor = query_page(
        table(_name()), Key("tenant_id").eq(tenant_id) & Key("sk").begins_with(PREFIX), limit, cursor, PREFIX,
        lambda sk: {"tenant_id": tenant_id, "sk": sk},
    )
    return [_from_item(item) for item in items], next_cursor


def all_for_tenant(tenant_id: str) -> list[Trigger]:
    """Every trigger of the tenant: one Query (a tenant has at most a hundred)."""
    return all_pages(lambda cursor: page(tenant_id, 100, cursor))


def replace(current: Trigger, new: Trigger) -> None:
    """Write ``new`` if nobody changed ``current`` meanwhile."""
    try:
        table(_name()).put_item(Item=_item(new), ConditionExpression="attribute_exists(sk) AND version = :v",
                                ExpressionAttributeValues={":v": current.version})
    except ClientError as error:
        if is_condition_failure(error):
            raise Conflict("the trigger was changed by another request; read it again and retry") from None
        raise


def record_firing(tenant_id: str, trigger_id: str, at: datetime, outcome: str) -> None:
    """Note what the trigger's latest firing sent, without touching its version (no conflict with edits)."""
    written(
        table(_name()).update_item,
        Key=_key(tenant_id, trigger_id), UpdateExpression="SET last_fired_at = :at, last_outcome = :outcome",
        ConditionExpression="attribute_exists(sk)",
        ExpressionAttributeValues={":at": at.isoformat(), ":outcome": outcome},
    )


def delete(trigger: Trigger) -> bool:
    """Remove the trigger and free its place under the limit; ``False`` if it was already gone."""
    return transact([delete_op(_name(), _key(trigger.tenant_id, trigger.id), "attribute_exists(sk)"),
                     _count_op(trigger.tenant_id, -1)]) is None
