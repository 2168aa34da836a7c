"""Report runs in the reports table: ``run#<run id>`` (``models/runs.py``), kept as long as reports.

A run is watched while it has ``due_shard`` (``watch#<n>``) in the sparse ``due`` index (``aws/due_index.py``),
with ``due_at`` the end of its watch: queued puts it there, delivered takes it out, so the watchdog's pass is one
keys-only Query per shard and reads only the late runs.
"""

from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from chalicelib import clock
from chalicelib.aws import due_index
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import batch_get_one, plain, written
from chalicelib.models.runs import Lateness, Run
from chalicelib.settings import get_settings

PREFIX = "run#"
SHARD_PREFIX = "watch#"
_PAGE = 100  # late runs read per shard and pass; the rest waits for the next pass


def _table() -> Any:
    return table(get_settings().reports_table)


def _key(tenant_id: str, run_id: str) -> dict[str, str]:
    return {"tenant_id": tenant_id, "sk": PREFIX + run_id}


def _from_item(item: dict[str, Any]) -> Run:
    item = plain(item)
    return Run.model_validate({**item, "id": item["sk"].removeprefix(PREFIX)})


class DynamoRuns:
    """:class:`~chalicelib.stores.runs.RunStore` on DynamoDB."""

    def queued(self, runs: list[tuple[Run, datetime]]) -> None:
        retention = timedelta(days=get_settings().report_retention_days)
        for run, watch_at in runs:  # one conditional write each, as the schedules' moves
            facts = run.model_dump(mode="json", include={"report_id", "frequency", "period_key", "timezone",
                                                         "report_hour", "report_time", "queued_at"})
            names = {f"#{name}": name for name in facts}
            written(_table().update_item, Key=_key(run.tenant_id, run.id),
                    UpdateExpression="SET " + ", ".join(f"#{name} = if_not_exists(#{name}, :{name})" for name in facts)
                    + ", due_shard = :shard, due_at = if_not_exists(due_at, :watch), expires_at = :expires",
                    ConditionExpression="attribute_not_exists(delivered_at)", ExpressionAttributeNames=names,
                    ExpressionAttributeValues={**{f":{name}": value for name, value in facts.items()},
                                               ":shard": due_index.shard(SHARD_PREFIX, run.tenant_id),
                                               ":watch": due_index.stamp(watch_at),
                                               ":expires": clock.expiry(run.report_time, retention)})

    def stored(self, tenant_id: str, run_id: str, rendered_at: datetime, stored_at: datetime) -> None:
        written(_table().update_item, Key=_key(tenant_id, run_id),
                UpdateExpression="SET rendered_at = if_not_exists(rendered_at, :rendered), "
                                 "stored_at = if_not_exists(stored_at, :stored)",
                ConditionExpression="attribute_exists(sk)",
                ExpressionAttributeValues={":rendered": rendered_at.isoformat(), ":stored": stored_at.isoformat()})

    def delivered(self, tenant_id: str, run_id: str, at: datetime, integration_ids: list[str]) -> None:
        written(_table().update_item, Key=_key(tenant_id, run_id),
                UpdateExpression="SET delivered_at = if_not_exists(delivered_at, :at), integration_ids = :ids "
                                 "REMOVE due_shard, due_at",
                ConditionExpression="attribute_exists(sk)",
                ExpressionAttributeValues={":at": at.isoformat(), ":ids": integration_ids})

    def late(self, until: datetime) -> list[Run]:
        keys = [{"tenant_id": item["tenant_id"], "sk": item["sk"]} for shard in due_index.shards(SHARD_PREFIX)
                for item in due_index.query(shard, until, _PAGE)[0]]
        found = [_from_item(item) for item in batch_get_one(get_settings().reports_table, keys)
                 if "due_at" in item]  # delivered since the index was read
        return sorted(found, key=lambda run: (run.report_time, run.id))

    def requeue(self, tenant_id: str, run_id: str, at: datetime, late: Lateness, watch_at: datetime) -> bool:
        return written(_table().update_item, Key=_key(tenant_id, run_id),
                       UpdateExpression="SET requeued_at = :at, late = :late, due_at = :watch",
                       ConditionExpression="attribute_exists(sk) AND attribute_not_exists(requeued_at)",
                       ExpressionAttributeValues={":at": at.isoformat(), ":late": late,
                                                  ":watch": due_index.stamp(watch_at)})

    def give_up(self, tenant_id: str, run_id: str) -> None:
        written(_table().update_item, Key=_key(tenant_id, run_id), UpdateExpression="REMOVE due_shard, due_at",
                ConditionExpression="attribute_exists(sk)")

    def between(self, tenant_id: str, oldest: str, newest: str | None, frequency: str | None = None) -> list[Run]:
        upper = PREFIX + newest if newest is not None else PREFIX + "\uffff"
        condition = Key("tenant_id").eq(tenant_id) & Key("sk").between(PREFIX + oldest, upper)
        params: dict[str, Any] = {"KeyConditionExpression": condition, "ScanIndexForward": False}
        if frequency:
            params["FilterExpression"] = Attr("frequency").eq(frequency)
        items: list[dict[str, Any]] = []
        while True:
            response = _table().query(**params)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                break
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return [_from_item(item) for item in items if item["sk"] != upper]
