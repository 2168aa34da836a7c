"""DynamoDB helpers shared by the repositories: transactions, conditional failures, cursors."""

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.aws.clients import client
from chalicelib.errors import BadRequest

T = TypeVar("T")
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_attribute_values(item: dict[str, Any]) -> dict[str, Any]:
    """A plain item → DynamoDB's typed wire format (for the low-level client)."""
    return {key: _serializer.serialize(value) for key, value in item.items()}


def from_attribute_values(item: dict[str, Any]) -> dict[str, Any]:
    return {key: plain(_deserializer.deserialize(value)) for key, value in item.items()}


def plain(value: Any) -> Any:
    """Turn the resource API's ``Decimal`` numbers back into ``int``/``float``."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def is_condition_failure(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


def written(write: Callable[..., Any], **params: Any) -> bool:
    """Make one conditional write (``table.put_item``, ``update_item``, ``delete_item``); ``False`` when its
    condition did not hold. Any other error raises."""
    try:
        write(**params)
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def _conditional(op: dict[str, Any], condition: str | None, values: dict[str, Any] | None) -> dict[str, Any]:
    if condition:
        op["ConditionExpression"] = condition
    if values:
        op["ExpressionAttributeValues"] = to_attribute_values(values)
    return op


def put_op(table: str, item: dict[str, Any], condition: str | None = None,
           values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``Put`` for :func:`transact`, optionally conditional."""
    return {"Put": _conditional({"TableName": table, "Item": to_attribute_values(item)}, condition, values)}


def delete_op(table: str, key: dict[str, Any], condition: str | None = None,
              values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``Delete`` for :func:`transact`, optionally conditional."""
    return {"Delete": _conditional({"TableName": table, "Key": to_attribute_values(key)}, condition, values)}


def count_op(table: str, key: dict[str, Any], delta: int, limit: int | None = None) -> dict[str, Any]:
    """An ``Update`` adding ``delta`` to the item's ``n``, for :func:`transact`; with ``limit``, only while
    ``n < limit`` (how a per-tenant cap stays exact under concurrent creates)."""
    op: dict[str, Any] = {"TableName": table, "Key": to_attribute_values(key), "UpdateExpression": "ADD #n :delta",
                          "ExpressionAttributeNames": {"#n": "n"}}
    values: dict[str, Any] = {":delta": delta}
    if limit is not None:
        op["ConditionExpression"] = "attribute_not_exists(#n) OR #n < :limit"
        values[":limit"] = limit
    return {"Update": _conditional(op, None, values)}


def cancellation_reasons(ops: Iterable[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Run a write transaction; on a failed condition return the per-operation reasons (``Code``, and the
    old ``Item`` where an operation asked for it with ``ReturnValuesOnConditionCheckFailure``)."""
    try:
        client("dynamodb").transact_write_items(TransactItems=list(ops))
    except ClientError as error:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        return error.response.get("CancellationReasons") or []
    return None


def batch_get(keys: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Items of several tables by key, read consistently: one BatchGetItem per 100 keys (and for what DynamoDB
    left unprocessed). Returns ``table name → items found`` (plain numbers)."""
    unique = {(name, json.dumps(key, sort_keys=True)): key for name, table_keys in keys.items() for key in table_keys}
    wanted = [(name, key) for (name, _), key in unique.items()]  # BatchGetItem refuses a key twice
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in keys}
    for first in range(0, len(wanted), 100):
        request: dict[str, Any] = {}
        for name, key in wanted[first:first + 100]:
            request.setdefault(name, {"Keys": [], "ConsistentRead": True})["Keys"].append(to_attribute_values(key))
        while request:
            response = client("dynamodb").batch_get_item(RequestItems=request)
            for name, items in response.get("Responses", {}).items():
                found[name] += [from_attribute_values(item) for item in items]
            request = response.get("UnprocessedKeys") or {}
    return found


def transact(ops: Iterable[dict[str, Any]]) -> list[str] | None:
    """Run a write transaction; on a failed condition return the per-operation reason codes."""
    reasons = cancellation_reasons(ops)
    return None if reasons is None else [reason.get("Code", "None") for reason in reasons]


def transact_retrying(ops: list[dict[str, Any]], tries: int = 5) -> None:
    """Run a write transaction without conditions, again while another write to one of its items conflicts."""
    for _ in range(tries):
        reasons = cancellation_reasons(ops)
        if reasons is None:
            return
        if not any(reason.get("Code") == "TransactionConflict" for reason in reasons):
            raise RuntimeError(f"write transaction cancelled: {[reason.get('Code') for reason in reasons]}")
    raise RuntimeError(f"write transaction still conflicting after {tries} tries")


def _every(read: Callable[..., dict[str, Any]], params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    while True:
        page = read(**params)
        yield from (plain(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def scan_all(table: Any, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Scan, page after page (plain ``int``/``float`` numbers)."""
    return _every(table.scan, params)


def query_all(table: Any, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Query, page after page (plain ``int``/``float`` numbers)."""
    return _every(table.query, params)


def batch_get_one(table_name: str, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of ``keys`` in one table that exist (:func:`batch_get`)."""
    return batch_get({table_name: keys})[table_name]


def delete_partition(table: Any, hash_key: str, value: str, range_key: str) -> int:
    """Delete every item whose ``hash_key`` is ``value`` (reading keys only, writing in batches of 25);
    returns how many there were."""
    params: dict[str, Any] = {"KeyConditionExpression": Key(hash_key).eq(value), "ProjectionExpression": "#h, #r",
                              "ExpressionAttributeNames": {"#h": hash_key, "#r": range_key}}
    deleted = 0
    with table.batch_writer() as batch:
        while True:
            page = table.query(**params)
            for item in page.get("Items", []):
                batch.delete_item(Key={hash_key: item[hash_key], range_key: item[range_key]})
                deleted += 1
            if "LastEvaluatedKey" not in page:
                return deleted
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def all_pages(fetch: Callable[[str | None], tuple[list[T], str | None]]) -> list[T]:
    """Every item of a paginated read: ``fetch(cursor)`` returns a page and the next cursor."""
    found: list[T] = []
    cursor: str | None = None
    while True:
        items, cursor = fetch(cursor)
        found += items
        if cursor is None:
            return found


def encode_cursor(sort_key: str) -> str:
    """An opaque page cursor: only the sort key, so a cursor can never leave the caller's tenant."""
    return base64.urlsafe_b64encode(json.dumps({"k": sort_key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, prefix: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))["k"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BadRequest("the cursor is not valid; use next_cursor from a previous page") from None
    if not isinstance(key, str) or not key.startswith(prefix):
        raise BadRequest("the cursor is not valid; use next_cursor from a previous page")
    return key


def query_page(table: Any, key_condition: Any, limit: int, cursor: str | None, prefix: str,
               key_of: Any, forward: bool = True, sort_attr: str = "sk",
               **extra: Any) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a Query; ``key_of(sort_key)`` rebuilds the full key for ``ExclusiveStartKey``.
    One item more than ``limit`` is read, so a cursor is given only when another item exists."""
    params: dict[str, Any] = {"KeyConditionExpression": key_condition, "Limit": limit + 1,
                              "ScanIndexForward": forward, **extra}
    if cursor:
        params["ExclusiveStartKey"] = key_of(decode_cursor(cursor, prefix))
    response = table.query(**params)
    items = [plain(item) for item in response.get("Items", [])]
    if len(items) > limit:
        return items[:limit], encode_cursor(items[limit - 1][sort_attr])
    last = response.get("LastEvaluatedKey")  # a filter or the 1 MB page size stopped the read early
    return items, encode_cursor(last[sort_attr]) if last else None
