"""Security-data table (``pk`` + ``sk``, TTL ``expires_at``): what the scheduled reports read.

Items, per tenant:

- ``<tenant>#hour`` / ``2026-11-24T10`` — one per UTC hour: ``attacks``, ``hits`` and, as top-level attributes
  (DynamoDB's ADD only works on those), ``ta:<type>``/``th:<type>`` and ``ha:<host>``/``hh:<host>`` for
  attacks/hits by attack type and by host. A month is at most 31×24 items in one Query, whatever the traffic.
- ``<tenant>#vuln`` / ``<time>#<event id>`` and ``<tenant>#incident`` / ``<time>#<event id>`` — one record each.
- ``<tenant>#seen`` / ``<kind>#<event id>`` — written in the same transaction as the data, so an event recorded
  twice is counted once.

Everything expires ``security_retention_days`` after the event's time.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import plain, put_op, to_attribute_values, transact
from chalicelib.reports.security_data import (
    Counts,
    HourlyAggregate,
    Incident,
    SecurityData,
    Vulnerability,
    hours_between,
    utc_hour,
)
from chalicelib.settings import get_settings

HOUR_FORMAT = "%Y-%m-%dT%H"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_LABEL = 200
OTHER_HOSTS = "(other hosts)"
OTHER_TYPES = "(other types)"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\s]+")
_DIMENSIONS = {"types": ("ta:", "th:"), "hosts": ("ha:", "hh:")}


def _table_name() -> str:
    return get_settings().security_table


def _expires(at: datetime) -> int:
    return clock.expiry(at, timedelta(days=get_settings().security_retention_days))


def label(value: str, fallback: str = "unknown") -> str:
    """A type or host name safe to store and print: one line, trimmed, bounded; never empty."""
    cleaned = _CONTROL.sub(" ", value).strip()[:MAX_LABEL]
    return cleaned or fallback


def _seen_op(tenant_id: str, kind: str, event_id: str, at: datetime) -> dict[str, Any]:
    item = {"pk": f"{tenant_id}#seen", "sk": f"{kind}#{event_id}", "expires_at": _expires(at)}
    return put_op(_table_name(), item, "attribute_not_exists(sk)")


def _add_op(tenant_id: str, aggregate: HourlyAggregate) -> dict[str, Any]:
    """One UpdateItem that ADDs every counter of ``aggregate`` to its hour's item."""
    increments = {"attacks": aggregate.attacks, "hits": aggregate.hits}
    for dimension, (attacks_prefix, hits_prefix) in _DIMENSIONS.items():
        for name, counts in getattr(aggregate, dimension).items():
            increments[attacks_prefix + name] = increments.get(attacks_prefix + name, 0) + counts.attacks
            increments[hits_prefix + name] = increments.get(hits_prefix + name, 0) + counts.hits
    names = {f"#n{i}": attribute for i, attribute in enumerate(increments)}
    values = {f":v{i}": amount for i, amount in enumerate(increments.values())}
    adds = ", ".join(f"#n{i} :v{i}" for i in range(len(increments)))
    hour = utc_hour(aggregate.hour)
    return {"Update": {
        "TableName": _table_name(),
        "Key": to_attribute_values({"pk": f"{tenant_id}#hour", "sk": hour.strftime(HOUR_FORMAT)}),
        "UpdateExpression": f"ADD {adds} SET expires_at = :expires",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": to_attribute_values({**values, ":expires": _expires(hour)}),
    }}


def _collapsed(aggregate: HourlyAggregate) -> HourlyAggregate:
    """The same counts with hosts and types folded into one bucket each (the hour's item is full)."""
    def fold(counts: dict[str, Counts], into: str) -> dict[str, Counts]:
        return {into: Counts(attacks=sum(c.attacks for c in counts.values()),
                             hits=sum(c.hits for c in counts.values()))} if counts else {}

    return aggregate.model_copy(update={"types": fold(aggregate.types, OTHER_TYPES),
                                        "hosts": fold(aggregate.hosts, OTHER_HOSTS)})


def _too_large(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ValidationException" and "size" in str(error)


def _write(ops: list[dict[str, Any]], fallback: dict[str, Any] | None = None) -> bool:
    """Run the transaction; ``False`` if the event was seen before. When the hour's item is at
    DynamoDB's 400 KB limit (thousands of hosts in one hour) ``fallback`` counts under "other"."""
    try:
        reasons = transact(ops)
    except ClientError as error:  # moto reports an oversized item outside the cancellation reasons
        if fallback is None or not _too_large(error):
            raise
        reasons = [*(["None"] * (len(ops) - 1)), "ValidationError"]
    if reasons is None:
        return True
    if reasons[0] == "ConditionalCheckFailed":
        return False
    if fallback is not None and reasons[-1] == "ValidationError":
        return transact([*ops[:-1], fallback]) is None
    raise RuntimeError(f"security-data write cancelled: {reasons}")


def record_attack(tenant_id: str, event_id: str, at: datetime, attack_type: str, host: str,
                  hits: int = 1, attacks: int = 1) -> bool:
    """Count one ``attack.detected`` event into its hour; ``False`` if this event id was already counted."""
    counts = Counts(attacks=attacks, hits=hits)
    aggregate = HourlyAggregate(hour=at, attacks=attacks, hits=hits,
                                types={label(attack_type): counts}, hosts={label(host): counts})
    return _write([_seen_op(tenant_id, "attack", event_id, at), _add_op(tenant_id, aggregate)],
                  fallback=_add_op(tenant_id, _collapsed(aggregate)))


def _parts(aggregate: HourlyAggregate, size: int = 50) -> Iterator[HourlyAggregate]:
    """``aggregate`` split so each update stays well under DynamoDB's 4 KB expression limit."""
    entries = [(dimension, name, counts) for dimension in _DIMENSIONS
               for name, counts in getattr(aggregate, dimension).items()]
    for offset in range(0, max(len(entries), 1), size):
        chunk: dict[str, dict[str, Counts]] = {"types": {}, "hosts": {}}
        for dimension, name, counts in entries[offset:offset + size]:
            chunk[dimension][label(name)] = counts
        first = offset == 0
        yield HourlyAggregate(hour=aggregate.hour, attacks=aggregate.attacks if first else 0,
                              hits=aggregate.hits if first else 0, **chunk)


def add_aggregate(tenant_id: str, aggregate: HourlyAggregate) -> None:
    """Add pre-counted attacks to an hour (bulk loads, demo seeding); not idempotent."""
    for part in _parts(aggregate):
        _write([_add_op(tenant_id, part)], fallback=_add_op(tenant_id, _collapsed(part)))


def _record_op(tenant_id: str, kind: str, record: Vulnerability | Incident) -> dict[str, Any]:
    at = record.at.astimezone(UTC)
    item = {"pk": f"{tenant_id}#{kind}", "sk": f"{at.strftime(TIME_FORMAT)}#{record.id}",
            **record.model_dump(mode="json"), "expires_at": _expires(at)}
    return put_op(_table_name(), item)


def record_vulnerability(tenant_id: str, vulnerability: Vulnerability) -> bool:
    """Store a detected vulnerability; ``False`` if this event id was already stored."""
    return _write([_seen_op(tenant_id, "vuln", vulnerability.id, vulnerability.at),
                   _record_op(tenant_id, "vuln", vulnerability)])


def record_incident(tenant_id: str, incident: Incident) -> bool:
    """Store an incident; ``False`` if this event id was already stored."""
    return _write([_seen_op(tenant_id, "incident", incident.id, incident.at),
                   _record_op(tenant_id, "incident", incident)])


def _query(pk: str, low: str, high: str) -> Iterator[dict[str, Any]]:
    params: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(pk) & Key("sk").between(low, high)}
    while True:
        page = table(_table_name()).query(**params)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _aggregate(item: dict[str, Any]) -> HourlyAggregate:
    item = plain(item)
    found: dict[str, dict[str, Counts]] = {"types": {}, "hosts": {}}
    for attribute, amount in item.items():
        for dimension, (attacks_prefix, hits_prefix) in _DIMENSIONS.items():
            if attribute.startswith(attacks_prefix):
                found[dimension].setdefault(attribute[3:], Counts()).attacks = amount
            elif attribute.startswith(hits_prefix):
                found[dimension].setdefault(attribute[3:], Counts()).hits = amount
    return HourlyAggregate(hour=datetime.strptime(item["sk"], HOUR_FORMAT).replace(tzinfo=UTC),
                           attacks=item.get("attacks", 0), hits=item.get("hits", 0), **found)


def read(tenant_id: str, start: datetime, end: datetime) -> SecurityData:
    """Hourly aggregates and records of ``[start, end)``: one Query per kind, no Scan."""
    data = SecurityData()
    hours = hours_between(start, end)
    if hours:
        low, high = (hour.strftime(HOUR_FORMAT) for hour in hours)
        data.aggregates = [_aggregate(item) for item in _query(f"{tenant_id}#hour", low, high)]
    # A record's key is "<time>#<id>", so "<end>#..." sorts after the bound "<end>": the range is half-open.
    low, high = start.astimezone(UTC).strftime(TIME_FORMAT), end.astimezone(UTC).strftime(TIME_FORMAT)
    data.vulnerabilities = [Vulnerability.model_validate(plain(item))
                            for item in _query(f"{tenant_id}#vuln", low, high)]
    data.incidents = [Incident.model_validate(plain(item)) for item in _query(f"{tenant_id}#incident", low, high)]
    return data
