"""Tokens table: API tokens keyed by their public ``id``; only a hash of the secret is stored.

Index ``by_tenant`` (``tenant_id`` + ``id``) lists a tenant's tokens; it projects only what a listing shows,
so a listing cannot leak a secret's hash. Like every global index it is eventually consistent.

Console sessions live here too, as ``session#<hash of its secret>`` items naming their token, with the table's TTL
(``expires_at``). They carry no ``tenant_id``, so the index (and a token listing) never holds them.
"""

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from boto3.dynamodb.conditions import Key

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import all_pages, delete_op, plain, put_op, query_page, written
from chalicelib.settings import get_settings
from chalicelib.stores.tenants import TokenRecord

LAST_USED_EVERY = timedelta(hours=1)


def _table() -> Any:
    return table(get_settings().tokens_table)


def put_op_for(record: TokenRecord) -> dict[str, Any]:
    item = {key: value for key, value in record._asdict().items() if value is not None}
    return put_op(get_settings().tokens_table, item, "attribute_not_exists(id)")


def delete_op_for(record: TokenRecord) -> dict[str, Any]:
    """Delete the token, for a transaction; fails if it is gone (revoked concurrently)."""
    return delete_op(get_settings().tokens_table, {"id": record.id}, "tenant_id = :tenant",
                     {":tenant": record.tenant_id})


def get(token_id: str) -> TokenRecord | None:
    item = _table().get_item(Key={"id": token_id}, ConsistentRead=True).get("Item")
    return TokenRecord(**plain(item)) if item else None


def page(tenant_id: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the tenant's tokens, in id order, without their hashes (the index does not hold them)."""
    return query_page(_table(), Key("tenant_id").eq(tenant_id), limit, cursor, "",
                      lambda token_id: {"tenant_id": tenant_id, "id": token_id}, sort_attr="id",
                      IndexName="by_tenant")


def ids_of(tenant_id: str) -> list[str]:
    """Every token id of the tenant (tenant deletion)."""
    return [item["id"] for item in all_pages(lambda cursor: page(tenant_id, 100, cursor))]


def delete(token_id: str) -> None:
    _table().delete_item(Key={"id": token_id})


class SessionRecord(NamedTuple):
    token_id: str
    expires_at: int  # epoch seconds, the table's TTL attribute


def _session_key(digest: str) -> dict[str, str]:
    return {"id": f"session#{digest}"}


def put_session(digest: str, token_id: str, expires_at: datetime) -> None:
    _table().put_item(Item={**_session_key(digest), "token_id": token_id, "expires_at": int(expires_at.timestamp())},
                      ConditionExpression="attribute_not_exists(id)")


def get_session(digest: str) -> SessionRecord | None:
    item = _table().get_item(Key=_session_key(digest), ConsistentRead=True).get("Item")
    return SessionRecord(str(item["token_id"]), int(item["expires_at"])) if item else None


def delete_session(digest: str) -> None:
    _table().delete_item(Key=_session_key(digest))


def note_use(record: TokenRecord, at: datetime) -> None:
    """Record ``last_used_at`` at most once per :data:`LAST_USED_EVERY` per token, not a write per request."""
    if record.last_used_at and record.last_used_at > clock.iso(at - LAST_USED_EVERY):
        return
    written(
        _table().update_item,
        Key={"id": record.id}, UpdateExpression="SET last_used_at = :now",
        ConditionExpression="attribute_exists(id) AND (attribute_not_exists(last_used_at) OR last_used_at <= :due)",
        ExpressionAttributeValues={":now": clock.iso(at), ":due": clock.iso(at - LAST_USED_EVERY)},
    )
