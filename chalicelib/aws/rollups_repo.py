"""Monthly rollups in the security-data table: ``<tenant>#rollup`` / ``2026-11``, one small item per tenant and
ended month (layout: ``chalicelib/aws/security_table.py``), kept ``ROLLUP_KEEP`` after it is written."""

from datetime import timedelta

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import batch_get, written
from chalicelib.aws.security_table import table_name
from chalicelib.models.trends import Rollup

# A year's trend reads the 12 months before a report, so two years keeps a whole trend for a report a year late.
ROLLUP_KEEP = timedelta(days=2 * 366)


def _key(tenant_id: str, period_key: str) -> dict[str, str]:
    return {"pk": f"{tenant_id}#rollup", "sk": period_key}


class DynamoRollupStore:
    """:class:`~chalicelib.stores.rollups.RollupStore` on DynamoDB."""

    def get_many(self, tenant_id: str, keys: list[str]) -> dict[str, Rollup]:
        if not keys:
            return {}
        items = batch_get({table_name(): [_key(tenant_id, key) for key in keys]})[table_name()]
        return {item["sk"]: Rollup.model_validate(item["rollup"]) for item in items}

    def put(self, tenant_id: str, rollup: Rollup) -> bool:
        item = {**_key(tenant_id, rollup.key), "rollup": rollup.model_dump(mode="json"),
                "expires_at": clock.expiry(clock.now(), ROLLUP_KEEP)}
        return written(table(table_name()).put_item, Item=item, ConditionExpression="attribute_not_exists(sk)")
