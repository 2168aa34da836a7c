"""The reports table's sparse ``due`` index (``due_shard`` + ``due_at``, keys only), shared by the report schedules
(shards ``due#<n>``) and the digest periods (shards ``digest#<n>``): an item is in it while it has ``due_shard``,
so a periodic pass reads one Query per shard and only what is due, whatever the table holds."""

import zlib
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import plain
from chalicelib.settings import get_settings

INDEX = "due"
# Changing it strands items in the dropped shards: rewrite their due_shard first.
SHARDS = 10
_TIME = "%Y-%m-%dT%H:%M:%SZ"


def stamp(moment: datetime) -> str:
    """``due_at`` as stored: UTC to the second, so the strings sort as the instants do."""
    return moment.astimezone(UTC).strftime(_TIME)


def shard(prefix: str, owner: str) -> str:
    """``<prefix><n>``: the shard of ``owner``'s items (a tenant's schedules, an integration's digests)."""
    return f"{prefix}{zlib.crc32(owner.encode()) % SHARDS}"


def shards(prefix: str) -> list[str]:
    return [f"{prefix}{n}" for n in range(SHARDS)]


def query(shard_key: str, until: datetime, limit: int, start: dict[str, Any] | None = None,
          after: str | None = None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to ``limit`` items of one shard due at or before ``until`` (and from ``after`` on, a stored ``due_at``),
    oldest first, and where the next page starts (or ``None``)."""
    due = Key("due_at").between(after, stamp(until)) if after else Key("due_at").lte(stamp(until))
    condition = Key("due_shard").eq(shard_key) & due
    params: dict[str, Any] = {"IndexName": INDEX, "Limit": limit, "KeyConditionExpression": condition}
    if start:
        params["ExclusiveStartKey"] = start
    response = table(get_settings().reports_table).query(**params)
    return [plain(item) for item in response.get("Items", [])], response.get("LastEvaluatedKey")
