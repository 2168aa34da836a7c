"""The data migration's marker: one item in the reports table (``tenant_id`` ``#upgrades``, no ``due_shard``, so
in no index and no tenant's partition) saying which version's migration is done, which one runs, and the tenant
after which it goes on, so a re-run of a finished version is a no-op and an interrupted one resumes."""

from dataclasses import dataclass
from typing import Any

from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import plain, written
from chalicelib.settings import get_settings

_KEY = {"tenant_id": "#upgrades", "sk": "marker"}


@dataclass(frozen=True)
class Marker:
    done: int  # the newest version whose migration finished (0: none)
    running: int | None = None
    cursor: str | None = None  # the last tenant id a running migration finished


def _table() -> Any:
    return table(get_settings().reports_table)


def get() -> Marker:
    item = plain(_table().get_item(Key=_KEY, ConsistentRead=True).get("Item") or {})
    return Marker(int(item.get("done_version", 0)), item.get("running_version"), item.get("after_tenant"))


def begin(version: int) -> bool:
    """Start ``version``'s migration from the first tenant; ``False`` if it is done or already running."""
    return written(_table().update_item, Key=_KEY, UpdateExpression="SET running_version = :v REMOVE after_tenant",
                   ConditionExpression="(attribute_not_exists(done_version) OR done_version < :v) AND "
                                       "(attribute_not_exists(running_version) OR running_version <> :v)",
                   ExpressionAttributeValues={":v": version})


def advance(version: int, cursor: str) -> bool:
    """Record that every tenant up to ``cursor`` is migrated; ``False`` if ``version`` no longer runs."""
    return written(_table().update_item, Key=_KEY, UpdateExpression="SET after_tenant = :c",
                   ConditionExpression="running_version = :v", ExpressionAttributeValues={":v": version, ":c": cursor})


def finish(version: int) -> bool:
    """``version`` is done; ``False`` if it was not running (another page finished it)."""
    return written(_table().update_item, Key=_KEY,
                   UpdateExpression="SET done_version = :v REMOVE running_version, after_tenant",
                   ConditionExpression="running_version = :v", ExpressionAttributeValues={":v": version})
