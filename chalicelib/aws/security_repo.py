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
"""

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws.clients import client, table
from chalicelib.aws.dynamo import (
    cancellation_reasons,
    delete_op,
    from_attribute_values,
    plain,
    put_op,
    to_attribute_values,
    transact,
)
from chalicelib.models.security import (
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

# Every ``<tenant>#<kind>`` partition above ("vuln": records keyed by event before the lifecycle, expiring by TTL).
PARTITIONS = ("hour", "incident", "vulnerability", "vuln-open", "vuln-change", "seen", "vuln")
HOUR_FORMAT = "%Y-%m-%dT%H"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
CHANGE_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
MAX_LABEL = 200
OTHER_HOSTS = "(other hosts)"
OTHER_TYPES = "(other types)"
OTHER_IPS = "(other IPs)"
OTHER_ENDPOINTS = "(other endpoints)"
# Named IPs and endpoints per hour item. Every attack's UpdateItem is billed by the whole item's size (1 WCU per KB,
# twice in a transaction), so the item stays at a few KB: 20 × (3 copies: two counters and the set) of ≤ 120-byte
# endpoints and ≤ 45-byte IPs keeps it ≤ 12 KB at worst, ~4 KB for usual names; a report still gets a top 10 per hour.
TOP_PER_HOUR = 20
MAX_ENDPOINT = 120
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\s]+")
_DIMENSIONS = {"types": ("ta:", "th:"), "hosts": ("ha:", "hh:"), "ips": ("ia:", "ih:"),
               "countries": ("ca:", "ch:"), "endpoints": ("ea:", "eh:")}
_OTHER = {"types": OTHER_TYPES, "hosts": OTHER_HOSTS, "ips": OTHER_IPS, "countries": "(other countries)",
          "endpoints": OTHER_ENDPOINTS}
_BOUNDED = {"ips": "kept_ips", "endpoints": "kept_endpoints"}
_COUNTRY_OF_IP = "ic:"
# Hours whose IP or endpoint set this process saw full: a full set never changes, so later events of that hour
# are written straight to their named or "other" bucket in one request instead of failing a condition first.
_FULL: OrderedDict[tuple[str, str, str], dict[str, frozenset[str]]] = OrderedDict()
_FULL_HOURS_KEPT = 256


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


def endpoint(host: str, path: str | None) -> str | None:
    """``api.acme.io /v2/orders``: the host and the path without query string or fragment, at most
    ``MAX_ENDPOINT`` characters of which half at most for the host; ``None`` without a path."""
    bare = (path or "").split("?", 1)[0].split("#", 1)[0].strip()
    return label(f"{label(host)[:MAX_ENDPOINT // 2]} {bare}")[:MAX_ENDPOINT] if bare else None


def _add_op(tenant_id: str, aggregate: HourlyAggregate, guard: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One UpdateItem that ADDs every counter of ``aggregate`` to its hour's item and its named IPs and endpoints
    to the hour's sets. ``guard`` (dimension → value): fail, returning the old item, if that set is full
    without the value."""
    increments = {"attacks": aggregate.attacks, "hits": aggregate.hits}
    if aggregate.blocked:
        increments["blocked"] = aggregate.blocked
    for dimension, (attacks_prefix, hits_prefix) in _DIMENSIONS.items():
        for name, counts in getattr(aggregate, dimension).items():
            increments[attacks_prefix + name] = increments.get(attacks_prefix + name, 0) + counts.attacks
            increments[hits_prefix + name] = increments.get(hits_prefix + name, 0) + counts.hits
    names = {f"#n{i}": attribute for i, attribute in enumerate(increments)}
    values: dict[str, Any] = {f":v{i}": amount for i, amount in enumerate(increments.values())}
    adds = [f"#n{i} :v{i}" for i in range(len(increments))]
    conditions = []
    for dimension, kept in _BOUNDED.items():
        named = {name for name in getattr(aggregate, dimension) if name != _OTHER[dimension]}
        if named:
            names[f"#{dimension}"], values[f":{dimension}"] = kept, named
            adds.append(f"#{dimension} :{dimension}")
        if guard and dimension in guard:
            values[f":{dimension}_one"] = guard[dimension]
            conditions.append(f"(attribute_not_exists(#{dimension}) OR size(#{dimension}) < :top "
                              f"OR contains(#{dimension}, :{dimension}_one))")
    sets = ["expires_at = :expires"]
    for i, (ip, country) in enumerate(aggregate.ip_countries.items()):
        if ip in aggregate.ips and ip != OTHER_IPS:
            names[f"#c{i}"], values[f":c{i}"] = _COUNTRY_OF_IP + ip, country
            sets.append(f"#c{i} = :c{i}")
    hour = utc_hour(aggregate.hour)
    update = {
        "TableName": _table_name(),
        "Key": to_attribute_values({"pk": f"{tenant_id}#hour", "sk": hour.strftime(HOUR_FORMAT)}),
        "UpdateExpression": f"ADD {', '.join(adds)} SET {', '.join(sets)}",
        "ExpressionAttributeNames": names,
    }
    if conditions:
        values[":top"] = TOP_PER_HOUR
        update |= {"ConditionExpression": " AND ".join(conditions), "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    update["ExpressionAttributeValues"] = to_attribute_values({**values, ":expires": _expires(hour)})
    return {"Update": update}


def _fold(counts: dict[str, Counts], into: str, keep: int = 0) -> dict[str, Counts]:
    """The ``keep`` largest of ``counts`` (by attacks, then hits) by name; the rest summed under ``into``."""
    ranked = sorted(counts.items(), key=lambda entry: (-entry[1].attacks, -entry[1].hits, entry[0]))
    folded = {name: amount.model_copy() for name, amount in ranked[:keep]}
    for _, amount in ranked[keep:]:
        other = folded.setdefault(into, Counts())
        other.attacks, other.hits = other.attacks + amount.attacks, other.hits + amount.hits
    return folded


def _collapsed(aggregate: HourlyAggregate) -> HourlyAggregate:
    """The same counts with every breakdown folded into its "other" bucket (the hour's item is full)."""
    return aggregate.model_copy(update={"ip_countries": {}, **{
        dimension: _fold(getattr(aggregate, dimension), _OTHER[dimension]) for dimension in _DIMENSIONS}})


def _too_large(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ValidationException" and "size" in str(error)


def _write(ops: list[dict[str, Any]], fallback: dict[str, Any] | None = None) -> bool | dict[str, Any]:
    """Run the transaction; ``False`` if the event was seen before; the hour's item as it was if a guarded
    IP or endpoint set is full. When the hour's item is at DynamoDB's 400 KB limit (thousands of hosts in one
    hour) ``fallback`` counts under "other"."""
    try:
        found = cancellation_reasons(ops)
    except ClientError as error:  # moto reports an oversized item outside the cancellation reasons
        if fallback is None or not _too_large(error):
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


def _learn_full(hour_key: tuple[str, str, str], item: dict[str, Any], guarded: Mapping[str, str]) -> None:
    """Remember which of the hour's sets ``item`` shows full (a guarded one that failed without a full set in
    the answer counts as full too, so the next try folds it and cannot fail the same way)."""
    full = dict(_FULL.get(hour_key, {}))
    for dimension, kept in _BOUNDED.items():
        values = frozenset(item.get(kept) or ())
        if len(values) >= TOP_PER_HOUR:
            full[dimension] = values
    if not set(guarded) & set(full):
        full |= {dimension: frozenset(item.get(_BOUNDED[dimension]) or ()) for dimension in guarded}
    _FULL[hour_key] = full
    _FULL.move_to_end(hour_key)
    while len(_FULL) > _FULL_HOURS_KEPT:
        _FULL.popitem(last=False)


def record_attack(tenant_id: str, event_id: str, at: datetime, attack_type: str, host: str, hits: int = 1,
                  attacks: int = 1, *, ip: str | None = None, country: str | None = None, path: str | None = None,
                  blocked: bool = False) -> bool:
    """Count one ``attack.detected`` event into its hour, in one request unless the hour's IP or endpoint set
    just filled up; ``False`` if this event id was already counted."""
    counts = Counts(attacks=attacks, hits=hits)
    wanted = {"ips": label(ip) if ip else None, "endpoints": endpoint(host, path)}
    hour_key = (_table_name(), tenant_id, utc_hour(at).strftime(HOUR_FORMAT))
    for _ in range(len(_BOUNDED) + 1):
        full = _FULL.get(hour_key, {})
        named = {dimension: value if dimension not in full or value in full[dimension] else _OTHER[dimension]
                 for dimension, value in wanted.items() if value}
        guard = {dimension: value for dimension, value in named.items() if dimension not in full}
        aggregate = HourlyAggregate(hour=at, attacks=attacks, hits=hits, blocked=attacks if blocked else 0,
                                    types={label(attack_type): counts}, hosts={label(host): counts},
                                    countries={label(country): counts} if country else {},
                                    ip_countries={named["ips"]: label(country)} if country and ip else {},
                                    **{dimension: {value: counts} for dimension, value in named.items()})
        written = _write([_seen_op(tenant_id, "attack", event_id, at), _add_op(tenant_id, aggregate, guard)],
                         fallback=_add_op(tenant_id, _collapsed(aggregate)))
        if isinstance(written, bool):
            return written
        _learn_full(hour_key, written, guard)
    raise RuntimeError(f"attack {event_id}: the hour's IP and endpoint sets kept changing")


def _parts(aggregate: HourlyAggregate, size: int = 50) -> Iterator[HourlyAggregate]:
    """``aggregate`` split so each update stays well under DynamoDB's 4 KB expression limit (and within moto's
    expression parser, which recurses out past ~150 clauses: 2 per entry plus ≤ ``TOP_PER_HOUR`` IP countries)."""
    entries = [(dimension, name, counts) for dimension in _DIMENSIONS
               for name, counts in getattr(aggregate, dimension).items()]
    for offset in range(0, max(len(entries), 1), size):
        chunk: dict[str, dict[str, Counts]] = {dimension: {} for dimension in _DIMENSIONS}
        for dimension, name, counts in entries[offset:offset + size]:
            chunk[dimension][label(name)] = counts
        first = offset == 0
        yield HourlyAggregate(hour=aggregate.hour, attacks=aggregate.attacks if first else 0,
                              hits=aggregate.hits if first else 0, blocked=aggregate.blocked if first else 0,
                              ip_countries=aggregate.ip_countries, **chunk)


def add_aggregate(tenant_id: str, aggregate: HourlyAggregate) -> None:
    """Add pre-counted attacks to an hour (bulk loads, demo seeding); not idempotent. It keeps its own
    ``TOP_PER_HOUR`` IPs and endpoints by name, without checking what the hour holds already."""
    bounded = aggregate.model_copy(update={dimension: _fold(getattr(aggregate, dimension), _OTHER[dimension],
                                                            TOP_PER_HOUR) for dimension in _BOUNDED})
    for part in _parts(bounded):
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
    found: dict[str, dict[str, Counts]] = {dimension: {} for dimension in _DIMENSIONS}
    ip_countries = {attribute[3:]: country for attribute, country in item.items()
                    if attribute.startswith(_COUNTRY_OF_IP)}
    for attribute, amount in item.items():
        for dimension, (attacks_prefix, hits_prefix) in _DIMENSIONS.items():
            if attribute.startswith(attacks_prefix):
                found[dimension].setdefault(attribute[3:], Counts()).attacks = amount
            elif attribute.startswith(hits_prefix):
                found[dimension].setdefault(attribute[3:], Counts()).hits = amount
    return HourlyAggregate(hour=datetime.strptime(item["sk"], HOUR_FORMAT).replace(tzinfo=UTC),
                           attacks=item.get("attacks", 0), hits=item.get("hits", 0),
                           blocked=item.get("blocked", 0), ip_countries=ip_countries, **found)


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
