"""Security-data table (``pk`` + ``sk``, TTL ``expires_at``): what the scheduled reports read.

Items, per tenant:

- ``<tenant>#hour`` / ``2026-11-24T10`` — one per UTC hour: ``attacks``, ``hits`` and, as top-level attributes
  (DynamoDB's ADD only works on those), ``ta:<type>``/``th:<type>`` and ``ha:<host>``/``hh:<host>`` for
  attacks/hits by attack type and by host. A month is at most 31×24 items in one Query, whatever the traffic.
- ``<tenant>#incident`` / ``<time>#<event id>`` — one record per incident.
- ``<tenant>#vulnerability`` / ``<platform id>`` — one record per vulnerability with its history
  (:class:`~chalicelib.reports.security_data.Vulnerability`) and a ``version`` for optimistic locking: every
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
"""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws.clients import client, table
from chalicelib.aws.dynamo import delete_op, from_attribute_values, plain, put_op, to_attribute_values, transact
from chalicelib.reports.security_data import (
    OPEN,
    Counts,
    HourlyAggregate,
    Incident,
    SecurityData,
    StatusChange,
    Vulnerability,
    VulnerabilityChange,
    hours_between,
    utc_hour,
)
from chalicelib.settings import get_settings

HOUR_FORMAT = "%Y-%m-%dT%H"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
CHANGE_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
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


def _record_op(tenant_id: str, kind: str, record: Incident) -> dict[str, Any]:
    at = record.at.astimezone(UTC)
    item = {"pk": f"{tenant_id}#{kind}", "sk": f"{at.strftime(TIME_FORMAT)}#{record.id}",
            **record.model_dump(mode="json"), "expires_at": _expires(at)}
    return put_op(_table_name(), item)


def record_incident(tenant_id: str, incident: Incident) -> bool:
    """Store an incident; ``False`` if this event id was already stored."""
    return _write([_seen_op(tenant_id, "incident", incident.id, incident.at),
                   _record_op(tenant_id, "incident", incident)])


# --- vulnerabilities ------------------------------------------------------------------------------


def _vulnerability_key(tenant_id: str, vulnerability_id: str) -> dict[str, str]:
    return {"pk": f"{tenant_id}#vulnerability", "sk": vulnerability_id}


def _change_key(tenant_id: str, change: StatusChange, vulnerability_id: str) -> dict[str, str]:
    return {"pk": f"{tenant_id}#vuln-change",
            "sk": f"{change.at.astimezone(UTC).strftime(CHANGE_FORMAT)}#{vulnerability_id}"}


def get_vulnerability(tenant_id: str, vulnerability_id: str) -> tuple[Vulnerability | None, int]:
    """The record and its version (0: none yet)."""
    item = table(_table_name()).get_item(Key=_vulnerability_key(tenant_id, vulnerability_id),
                                         ConsistentRead=True).get("Item")
    return (Vulnerability.model_validate(plain(item)), int(item["version"])) if item else (None, 0)


def _vulnerability_ops(tenant_id: str, before: Vulnerability | None, after: Vulnerability,
                       version: int) -> list[dict[str, Any]]:
    """Write ``after`` over ``before`` (read at ``version``), with its open item and its change items."""
    name, last = _table_name(), max(seen.at for seen in after.observed)
    key = _vulnerability_key(tenant_id, after.id)
    item = {**key, **after.model_dump(mode="json"), "version": version + 1}
    if after.status not in OPEN:
        item["expires_at"] = _expires(last)
    condition = "attribute_not_exists(sk)" if version == 0 else "version = :version"
    ops = [put_op(name, item, condition, {":version": version} if version else None)]
    open_key = {"pk": f"{tenant_id}#vuln-open", "sk": after.id}
    ops.append(put_op(name, open_key) if after.status in OPEN else delete_op(name, open_key))
    old = {_change_key(tenant_id, c, after.id)["sk"]: c for c in (before.history if before else [])}
    new = {_change_key(tenant_id, c, after.id)["sk"]: c for c in after.history}
    for sk in old.keys() - new.keys():
        ops.append(delete_op(name, {"pk": f"{tenant_id}#vuln-change", "sk": sk}))
    for sk, change in new.items():
        if old.get(sk) != change:
            ops.append(put_op(name, {"pk": f"{tenant_id}#vuln-change", "sk": sk, "id": after.id,
                                     "status": change.status, "expires_at": _expires(change.at)}))
    return ops


def record_vulnerability(tenant_id: str, event_id: str, at: datetime, vulnerability_id: str,
                         apply: Callable[[Vulnerability | None], Vulnerability | None]) -> VulnerabilityChange | None:
    """Apply the event ``event_id`` (of time ``at``) to its vulnerability: ``apply(record)`` returns the new record
    (``None``: nothing to store). Once per event id: an event seen before returns what it changed then."""
    name = _table_name()
    seen_key = {"pk": f"{tenant_id}#seen", "sk": f"vuln#{event_id}"}
    for _ in range(10):
        before, version = get_vulnerability(tenant_id, vulnerability_id)
        after = apply(before)
        if after is None:
            return None
        change = VulnerabilityChange(vulnerability=after, previous_status=before.status if before else None)
        seen = put_op(name, {**seen_key, "change": change.model_dump(mode="json"), "expires_at": _expires(at)},
                      "attribute_not_exists(sk)")
        reasons = transact([seen, *_vulnerability_ops(tenant_id, before, after, version)])
        if reasons is None:
            return change
        if reasons[0] == "ConditionalCheckFailed":
            item = table(name).get_item(Key=seen_key, ConsistentRead=True).get("Item")
            return VulnerabilityChange.model_validate(plain(item["change"])) if item else None
        if reasons[1] != "ConditionalCheckFailed":
            raise RuntimeError(f"vulnerability write cancelled: {reasons}")
    raise RuntimeError(f"vulnerability of event {event_id} kept changing under us")


def put_vulnerability(tenant_id: str, vulnerability: Vulnerability) -> bool:
    """Store a whole record (demo seeding, bulk loads); ``False`` if that id exists."""
    return transact(_vulnerability_ops(tenant_id, None, vulnerability, 0)) is None


def _vulnerability_ids(tenant_id: str, since: datetime) -> set[str]:
    """Ids of the vulnerabilities open now or changed since ``since``."""
    ids = {item["sk"] for item in _query(Key("pk").eq(f"{tenant_id}#vuln-open"))}
    since_key = Key("sk").gte(since.astimezone(UTC).strftime(CHANGE_FORMAT))
    return ids | {item["id"] for item in _query(Key("pk").eq(f"{tenant_id}#vuln-change") & since_key)}


def _vulnerabilities(tenant_id: str, start: datetime, end: datetime) -> list[Vulnerability]:
    """The vulnerabilities open at ``start`` or ``end`` or changed in between, by BatchGetItem (100 a call)."""
    keys = [_vulnerability_key(tenant_id, vulnerability_id) for vulnerability_id in sorted(
        _vulnerability_ids(tenant_id, start))]
    found: list[Vulnerability] = []
    for offset in range(0, len(keys), 100):
        request = {_table_name(): {"Keys": [to_attribute_values(key) for key in keys[offset:offset + 100]]}}
        while request:
            response = client("dynamodb").batch_get_item(RequestItems=request)
            found += [Vulnerability.model_validate(from_attribute_values(item))
                      for item in response["Responses"].get(_table_name(), [])]
            request = response.get("UnprocessedKeys") or {}
    return sorted((v for v in found if v.relevant(start, end)), key=lambda v: (v.at, v.id))


def _query(condition: Any) -> Iterator[dict[str, Any]]:
    params: dict[str, Any] = {"KeyConditionExpression": condition}
    while True:
        page = table(_table_name()).query(**params)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _between(pk: str, low: str, high: str) -> Iterator[dict[str, Any]]:
    return _query(Key("pk").eq(pk) & Key("sk").between(low, high))


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


def read(tenant_id: str, start: datetime, end: datetime, vulnerabilities: bool = True) -> SecurityData:
    """Hourly aggregates and incidents of ``[start, end)`` (one Query each, no Scan) and, unless
    ``vulnerabilities`` is false, the vulnerabilities open at its start or end or changed within it."""
    data = SecurityData()
    hours = hours_between(start, end)
    if hours:
        low, high = (hour.strftime(HOUR_FORMAT) for hour in hours)
        data.aggregates = [_aggregate(item) for item in _between(f"{tenant_id}#hour", low, high)]
    # A record's key is "<time>#<id>", so "<end>#..." sorts after the bound "<end>": the range is half-open.
    low, high = start.astimezone(UTC).strftime(TIME_FORMAT), end.astimezone(UTC).strftime(TIME_FORMAT)
    data.incidents = [Incident.model_validate(plain(item)) for item in _between(f"{tenant_id}#incident", low, high)]
    if vulnerabilities:
        data.vulnerabilities = _vulnerabilities(tenant_id, start, end)
    return data
