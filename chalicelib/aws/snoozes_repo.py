"""The snooze store (``stores.snoozes.SnoozeStore``) on the integrations table, beside the integrations they hold
mail back for: ``snooze#<id>`` items, and ``snooze-link#<link id>`` marks of the mail links already used. Both
expire (``expires_at``): a snooze a week after it ended, a mute after ``MUTE_KEEP_DAYS``, a mark with its link."""

from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import batch_get_one, plain, put_op, query_page, transact
from chalicelib.models.snoozes import Snooze
from chalicelib.settings import get_settings

PREFIX = "snooze#"
_LINK = "snooze-link#"
_KEEP_ENDED = timedelta(days=7)  # an ended snooze stays listed a while, so "why did I get nothing?" has an answer
MUTE_KEEP_DAYS = 365


def _name() -> str:
    return get_settings().integrations_table


def key(tenant_id: str, snooze_id: str) -> dict[str, str]:
    return {"tenant_id": tenant_id, "sk": PREFIX + snooze_id}


def _item(snooze: Snooze) -> dict[str, Any]:
    ends = clock.shift(snooze.until, _KEEP_ENDED) if snooze.until else clock.shift(
        snooze.created_at, timedelta(days=MUTE_KEEP_DAYS))
    return {**key(snooze.tenant_id, snooze.id), **snooze.model_dump(mode="json"), "tenant_id": snooze.tenant_id,
            "expires_at": int(ends.timestamp())}


def from_item(item: dict[str, Any]) -> Snooze:
    return Snooze.model_validate(plain(item))


def record(snooze: Snooze, link_id: str | None = None, link_until: datetime | None = None) -> bool:
    if link_id is None:
        table(_name()).put_item(Item=_item(snooze))
        return True
    mark = {"tenant_id": snooze.tenant_id, "sk": _LINK + link_id, "snooze_id": snooze.id,
            "expires_at": int((link_until or snooze.created_at).timestamp())}
    return transact([put_op(_name(), mark, "attribute_not_exists(sk)"), put_op(_name(), _item(snooze))]) is None


def used(tenant_id: str, link_id: str) -> bool:
    key = {"tenant_id": tenant_id, "sk": _LINK + link_id}
    return "Item" in table(_name()).get_item(Key=key, ConsistentRead=True, ProjectionExpression="sk")


def get(tenant_id: str, snooze_id: str) -> Snooze | None:
    item = table(_name()).get_item(Key=key(tenant_id, snooze_id), ConsistentRead=True).get("Item")
    return from_item(item) if item else None


def get_many(tenant_id: str, snooze_ids: set[str]) -> list[Snooze]:
    return [from_item(item) for item in batch_get_one(_name(), [key(tenant_id, i) for i in sorted(snooze_ids)])]


def page(tenant_id: str, limit: int, cursor: str | None) -> tuple[list[Snooze], str | None]:
    items, next_cursor = query_page(table(_name()), Key("tenant_id").eq(tenant_id) & Key("sk").begins_with(PREFIX),
                                    limit, cursor, PREFIX, lambda sk: {"tenant_id": tenant_id, "sk": sk},
                                    ConsistentRead=True)
    return [from_item(item) for item in items], next_cursor


def delete(tenant_id: str, snooze_id: str) -> bool:
    response = table(_name()).delete_item(Key=key(tenant_id, snooze_id), ReturnValues="ALL_OLD")
    return "Attributes" in response
