"""Security-data table (``pk`` + ``sk``, TTL ``expires_at``): what the scheduled reports read.

Items, per tenant:

- ``<tenant>#hour`` / ``2026-11-24T10`` — one per UTC hour: ``attacks``, ``hits``, ``blocked`` and, as top-level
  attributes (DynamoDB's ADD only works on those), ``ta:``/``th:<type>``, ``ha:``/``hh:<host>``, ``ia:``/``ih:<ip>``,
  ``ca:``/``ch:<country>`` and ``ea:``/``eh:<host path>`` for attacks/hits by attack type, host, source IP, country
  and endpoint; ``ic:<ip>`` holds a named IP's country. A month is at most 31×24 items in one Query, whatever
  the traffic.
  IPs and endpoints are bounded: the string sets ``kept_ips`` / ``kept_endpoints`` name the first
  ``TOP_PER_HOUR`` seen in the hour (a condition on the same UpdateItem keeps them at that size); later ones count
  under "(other IPs)" / "(other endpoints)", so a botnet or an id in every path cannot grow the item.
- ``<tenant>#incident`` / ``<time>#<event id>`` — one record per incident.
- ``<tenant>#vulnerability`` / ``<platform id>`` — one record per vulnerability with its history
  (:class:`~chalicelib.models.security.Vulnerability`) and a ``version`` for optimistic locking: every
  event of that id is a read and a conditional write (retried on a concurrent change).
- ``<tenant>#vuln-open`` / ``<platform id>`` — one per vulnerability open now (deleted when it closes).
- ``<tenant>#vuln-change`` / ``<change time>#<platform id>`` — one per status change in its history.
- ``<tenant>#seen`` / ``<kind>#<event id>`` — written in the same transaction as the data, so an event recorded
  twice is counted once; a vulnerability event's mark keeps what it changed, for an event routed again.

A report of ``[start, end)`` reads the vulnerabilities open now plus those changed since ``start`` (two
Queries, then BatchGetItem of those records): every vulnerability open at ``start`` or ``end`` or changed in
between is among them, so the cost follows the backlog and the changes since the period began, never the
table. Everything expires ``security_retention_days`` after its time, except an open vulnerability: its record
and open item have no TTL while it is open (the backlog must not forget a finding nobody fixed), and get
one again, from its last change, when it is closed or marked false positive.

This module holds the table's shared writes and reads; ``security_attacks`` the hour items,
``security_vulnerabilities`` the vulnerability records, ``security_repo`` the incidents and the period read.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import cancellation_reasons, from_attribute_values, put_op, transact
from chalicelib.resources import SECURITY
from chalicelib.settings import get_settings

# Every ``<tenant>#<kind>`` partition above, declared with the table ("vuln": records keyed by event before the
# lifecycle, expiring by TTL).
PARTITIONS = SECURITY.partitions
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def table_name() -> str:
    return get_settings().security_table


def expires(at: datetime) -> int:
    return clock.expiry(at, timedelta(days=get_settings().security_retention_days))


def seen_op(tenant_id: str, kind: str, event_id: str, at: datetime) -> dict[str, Any]:
    item = {"pk": f"{tenant_id}#seen", "sk": f"{kind}#{event_id}", "expires_at": expires(at)}
    return put_op(table_name(), item, "attribute_not_exists(sk)")


def too_large(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ValidationException" and "size" in str(error)


def write(ops: list[dict[str, Any]], fallback: dict[str, Any] | None = None) -> bool | dict[str, Any]:
    """Run the transaction; ``False`` if the event was seen before; the hour's item as it was if a guarded
    IP or endpoint set is full. When the hour's item is at DynamoDB's 400 KB limit (thousands of hosts in one
    hour) ``fallback`` counts under "other"."""
    try:
        found = cancellation_reasons(ops)
    except ClientError as error:  # moto reports an oversized item outside the cancellation reasons
        if fallback is None or not too_large(error):
            raise
        found = [*([{}] * (len(ops) - 1)), {"Code": "ValidationError"}]
    if found is None:
        return True
    reasons = [reason.get("Code", "None") for reason in found]
    if reasons[0] == "ConditionalCheckFailed":
        return False
    if reasons[-1] == "ConditionalCheckFailed" and "ReturnValuesOnConditionCheckFailure" in ops[-1].get("Update", {}):
        return from_attribute_values(found[-1].get("Item", {}))
    if fallback is not None and reasons[-1] == "ValidationError":
        return transact([*ops[:-1], fallback]) is None
    raise RuntimeError(f"security-data write cancelled: {reasons}")


def query(condition: Any) -> Iterator[dict[str, Any]]:
    params: dict[str, Any] = {"KeyConditionExpression": condition}
    while True:
        page = table(table_name()).query(**params)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def between(pk: str, low: str, high: str) -> Iterator[dict[str, Any]]:
    return query(Key("pk").eq(pk) & Key("sk").between(low, high))
