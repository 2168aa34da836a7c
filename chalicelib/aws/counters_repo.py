"""Counters table (``key`` + ``bucket``, TTL): hourly send-request counts, rate-limit logs, once-only marks."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import is_condition_failure, plain, put_op, transact
from chalicelib.settings import get_settings

HOUR_FORMAT = "%Y-%m-%dT%H"
_LOG = "log"


def _table() -> Any:
    return table(get_settings().counters_table)


def _requests_key(tenant_id: str, integration_id: str) -> str:
    return f"requests#{tenant_id}#{integration_id}"


def count_request(tenant_id: str, integration_id: str, at: datetime, ok: bool) -> None:
    """Add one send request to the integration's bucket for the hour of ``at`` (kept 13 h+)."""
    hour = at.replace(minute=0, second=0, microsecond=0)
    expires = clock.expiry(hour, timedelta(hours=get_settings().failure_window_hours + 2))
    _table().update_item(
        Key={"key": _requests_key(tenant_id, integration_id), "bucket": hour.strftime(HOUR_FORMAT)},
        UpdateExpression="ADD #total :one, #failed :failed SET expires_at = :expires",
        ExpressionAttributeNames={"#total": "total", "#failed": "failed"},
        ExpressionAttributeValues={":one": 1, ":failed": 0 if ok else 1, ":expires": expires},
    )


def request_buckets(tenant_id: str, integration_id: str, since: datetime) -> list[tuple[datetime, int, int]]:
    """``(hour, total, failed)`` for every hour bucket starting at or after the hour of ``since``."""
    start = since.replace(minute=0, second=0, microsecond=0).strftime(HOUR_FORMAT)
    response = _table().query(
        KeyConditionExpression=Key("key").eq(_requests_key(tenant_id, integration_id)) & Key("bucket").gte(start),
        ConsistentRead=True,
    )
    return [
        (datetime.strptime(item["bucket"], HOUR_FORMAT).replace(tzinfo=since.tzinfo), item["total"], item["failed"])
        for item in map(plain, response.get("Items", []))
    ]


def mark_once(key: str, at: datetime, hold: timedelta) -> bool:
    """``True`` for the first caller per ``hold`` period (e.g. one warning per 12 h), ``False`` after."""
    until = clock.shift(at, hold)
    try:
        _table().put_item(
            Item={"key": key, "bucket": "mark", "until": until.isoformat(), "expires_at": int(until.timestamp())},
            ConditionExpression="attribute_not_exists(#key) OR #until <= :now",
            ExpressionAttributeNames={"#key": "key", "#until": "until"},
            ExpressionAttributeValues={":now": at.isoformat()},
        )
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


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
