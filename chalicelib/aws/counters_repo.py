"""Counters table (``key`` + ``bucket``, TTL): hourly send-request counts, rate-limit logs, once-only marks.

An hourly send-request bucket that holds a failed request also carries ``failing_shard``, the key of the sparse
``failing`` index: the health check finds the integrations that failed in its window in ``FAILING_SHARDS``
index partitions instead of scanning every integration (one that never failed can cross no threshold). The
shards spread the index's writes.
"""

import math
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import plain, put_op, query_all, to_attribute_values, transact, written
from chalicelib.settings import get_settings

HOUR_FORMAT = "%Y-%m-%dT%H"
SECOND_FORMAT = "%Y-%m-%dT%H:%M:%S"
_LOG = "log"
_REQUESTS = "requests#"
FAILING_INDEX = "failing"
# Changing it moves integrations between shards: read both counts for a window (12 h) after a change.
FAILING_SHARDS = 10

Buckets = list[tuple[datetime, int, int]]
_SENDS = "ses-sends"


def _table() -> Any:
    return table(get_settings().counters_table)


def _requests_key(tenant_id: str, integration_id: str) -> str:
    return f"{_REQUESTS}{tenant_id}#{integration_id}"


def _failing_shard(integration_id: str) -> str:
    return f"failing#{zlib.crc32(integration_id.encode()) % FAILING_SHARDS}"


def _bucket(item: dict[str, Any], tzinfo: Any) -> tuple[datetime, int, int]:
    return datetime.strptime(item["bucket"], HOUR_FORMAT).replace(tzinfo=tzinfo), item["total"], item["failed"]


def count_requests_ops(tenant_id: str, integration_id: str, at: datetime, total: int,
                       failed: int) -> list[dict[str, Any]]:
    """The writes of :func:`count_requests`, for a transaction (the worker records a try's outcome with them)."""
    hour = at.replace(minute=0, second=0, microsecond=0)
    expires = clock.expiry(hour, timedelta(hours=get_settings().failure_window_hours + 2))
    key = {"key": _requests_key(tenant_id, integration_id), "bucket": hour.strftime(HOUR_FORMAT)}
    return [{"Update": {
        "TableName": get_settings().counters_table, "Key": to_attribute_values(key),
        "UpdateExpression": "ADD #total :total, #failed :failed SET expires_at = :expires"
                            + (", failing_shard = :shard" if failed else ""),
        "ExpressionAttributeNames": {"#total": "total", "#failed": "failed"},
        "ExpressionAttributeValues": to_attribute_values({
            ":total": total, ":failed": failed, ":expires": expires,
            **({":shard": _failing_shard(integration_id)} if failed else {})}),
    }}]


def count_requests(tenant_id: str, integration_id: str, at: datetime, total: int, failed: int) -> None:
    """Add ``total`` send requests (``failed`` of them failed) to the integration's bucket for the hour of
    ``at`` (kept 13 h+), which lists it in the ``failing`` index when some failed: one write for every
    message of a try."""
    transact(count_requests_ops(tenant_id, integration_id, at, total, failed))


def take_sends(at: datetime, wanted: int) -> int:
    """Reserve ``wanted`` SES sends in the account's counter for the second of ``at``, shared by every worker;
    returns how many were reserved in that second before (the caller sends only what fits the rate)."""
    second = at.replace(microsecond=0)
    response = _table().update_item(
        Key={"key": _SENDS, "bucket": second.strftime(SECOND_FORMAT)},
        UpdateExpression="ADD #n :n SET expires_at = :expires", ExpressionAttributeNames={"#n": "n"},
        ExpressionAttributeValues={":n": wanted, ":expires": clock.expiry(second, timedelta(minutes=10))},
        ReturnValues="UPDATED_NEW",
    )
    return int(response["Attributes"]["n"]) - wanted


def request_buckets(tenant_id: str, integration_id: str, since: datetime) -> Buckets:
    """``(hour, total, failed)`` for every hour bucket starting at or after the hour of ``since``."""
    start = since.replace(minute=0, second=0, microsecond=0).strftime(HOUR_FORMAT)
    response = _table().query(
        KeyConditionExpression=Key("key").eq(_requests_key(tenant_id, integration_id)) & Key("bucket").gte(start),
        ConsistentRead=True,
    )
    return [_bucket(item, since.tzinfo) for item in map(plain, response.get("Items", []))]


def failing(since: datetime) -> dict[tuple[str, str], Buckets]:
    """``(tenant_id, integration_id) → buckets with failures`` of every integration with a failed send request
    in an hour bucket starting at or after the hour of ``since``: one Query per shard when nothing failed (the
    index is eventually consistent, which a periodic pass can afford)."""
    start = since.replace(minute=0, second=0, microsecond=0).strftime(HOUR_FORMAT)
    found: dict[tuple[str, str], Buckets] = defaultdict(list)
    for shard in range(FAILING_SHARDS):
        condition = Key("failing_shard").eq(f"failing#{shard}") & Key("bucket").gte(start)
        for item in query_all(_table(), IndexName=FAILING_INDEX, KeyConditionExpression=condition):
            tenant_id, integration_id = item["key"].removeprefix(_REQUESTS).split("#", 1)
            found[tenant_id, integration_id].append(_bucket(item, since.tzinfo))
    return dict(found)


def mark_once(key: str, at: datetime, hold: timedelta) -> bool:
    """``True`` for the first caller per ``hold`` period (e.g. one warning per 12 h), ``False`` after."""
    until = clock.shift(at, hold)
    return written(
        _table().put_item,
        Item={"key": key, "bucket": "mark", "until": until.isoformat(), "expires_at": int(until.timestamp())},
        ConditionExpression="attribute_not_exists(#key) OR #until <= :now",
        ExpressionAttributeNames={"#key": "key", "#until": "until"},
        ExpressionAttributeValues={":now": at.isoformat()},
    )


@dataclass(frozen=True)
class Log:
    """A rate limit's sliding log to write: the uses (epoch seconds) and the version it was read at."""

    key: str
    version: int
    times: list[float]
    expires_at: float


def read_logs(keys: list[str]) -> dict[str, tuple[int, list[float]]]:
    """``key → (version, use times)`` of each sliding log (``(0, [])`` for one never written)."""
    found = {}
    for key in keys:
        item = plain(_table().get_item(Key={"key": key, "bucket": _LOG}, ConsistentRead=True).get("Item") or {})
        found[key] = (item.get("log_version", 0), [ms / 1000 for ms in item.get("times", [])])
    return found


def write_logs(logs: list[Log]) -> bool:
    """Replace every log at once if none changed since it was read; ``False`` when one did."""
    return transact(
        put_op(get_settings().counters_table,
               {"key": log.key, "bucket": _LOG, "times": [round(t * 1000) for t in log.times],
                "log_version": log.version + 1, "expires_at": math.ceil(log.expires_at)},
               "log_version = :v" if log.version else "attribute_not_exists(log_version)",
               {":v": log.version} if log.version else None)
        for log in logs
    ) is None
