"""The security-data table's hour items: attacks counted per UTC hour with their bounded breakdowns (the layout:
``chalicelib/aws/security_table.py``)."""

import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import plain, to_attribute_values
from chalicelib.aws.security_table import expires, seen_op, table_name, write
from chalicelib.models.security import INTERNAL, OTHER, Counts, HourlyAggregate, is_internal, utc_hour

HOUR_FORMAT = "%Y-%m-%dT%H"
MAX_LABEL = 200
OTHER_HOSTS, OTHER_TYPES, OTHER_IPS, OTHER_ENDPOINTS = (OTHER[key] for key in ("hosts", "types", "ips", "endpoints"))
# Named IPs and endpoints per hour item. Every attack's UpdateItem is billed by the whole item's size (1 WCU per KB,
# twice in a transaction), so the item stays at a few KB: 20 × (3 copies: two counters and the set) of ≤ 120-byte
# endpoints and ≤ 45-byte IPs keeps it ≤ 12 KB at worst, ~4 KB for usual names; a report still gets a top 10 per hour.
TOP_PER_HOUR = 20
MAX_ENDPOINT = 120
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\s]+")
_DIMENSIONS = {"types": ("ta:", "th:"), "hosts": ("ha:", "hh:"), "ips": ("ia:", "ih:"),
               "countries": ("ca:", "ch:"), "endpoints": ("ea:", "eh:"), "applications": ("aa:", "ah:")}
_OTHER = OTHER
_BOUNDED = {"ips": "kept_ips", "endpoints": "kept_endpoints"}
_COUNTRY_OF_IP = "ic:"
# Hours whose IP or endpoint set this process saw full: a full set never changes, so later events of that hour
# are written straight to their named or "other" bucket in one request instead of failing a condition first.
_FULL: OrderedDict[tuple[str, str, str], dict[str, frozenset[str]]] = OrderedDict()
_FULL_HOURS_KEPT = 256


def label(value: str, fallback: str = "unknown") -> str:
    """A type or host name safe to store and print: one line, trimmed, bounded; never empty."""
    cleaned = _CONTROL.sub(" ", value).strip()[:MAX_LABEL]
    return cleaned or fallback


def endpoint(host: str, path: str | None) -> str | None:
    """``api.acme.io /v2/orders``: the host and the path without query string or fragment, at most
    ``MAX_ENDPOINT`` characters of which half at most for the host; ``None`` without a path."""
    bare = (path or "").split("?", 1)[0].split("#", 1)[0].strip()
    return label(f"{label(host)[:MAX_ENDPOINT // 2]} {bare}")[:MAX_ENDPOINT] if bare else None


def _key(tenant_id: str, aggregate: HourlyAggregate) -> dict[str, str]:
    return {"pk": f"{tenant_id}#hour", "sk": utc_hour(aggregate.hour).strftime(HOUR_FORMAT)}


def _increments(aggregate: HourlyAggregate) -> dict[str, int]:
    """Every counter attribute of ``aggregate`` and its amount."""
    increments = {"attacks": aggregate.attacks, "hits": aggregate.hits}
    if aggregate.blocked:
        increments["blocked"] = aggregate.blocked
    for dimension, (attacks_prefix, hits_prefix) in _DIMENSIONS.items():
        for name, counts in getattr(aggregate, dimension).items():
            increments[attacks_prefix + name] = increments.get(attacks_prefix + name, 0) + counts.attacks
            increments[hits_prefix + name] = increments.get(hits_prefix + name, 0) + counts.hits
    return increments


def _kept(aggregate: HourlyAggregate) -> dict[str, set[str]]:
    """The named IPs and endpoints of ``aggregate``, by set attribute (``kept_ips``, ``kept_endpoints``)."""
    named = {kept: {name for name in getattr(aggregate, dimension) if name != _OTHER[dimension]}
             for dimension, kept in _BOUNDED.items()}
    return {kept: names for kept, names in named.items() if names}


def _countries(aggregate: HourlyAggregate) -> dict[str, str]:
    """The ``ic:<ip>`` attributes: each named IP's country."""
    return {_COUNTRY_OF_IP + ip: country for ip, country in aggregate.ip_countries.items()
            if ip in aggregate.ips and ip != OTHER_IPS}


def _add_op(tenant_id: str, aggregate: HourlyAggregate, guard: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One UpdateItem that ADDs every counter of ``aggregate`` to its hour's item and its named IPs and endpoints
    to the hour's sets. ``guard`` (dimension → value): fail, returning the old item, if that set is full
    without the value."""
    increments = _increments(aggregate)
    names = {f"#n{i}": attribute for i, attribute in enumerate(increments)}
    values: dict[str, Any] = {f":v{i}": amount for i, amount in enumerate(increments.values())}
    adds = [f"#n{i} :v{i}" for i in range(len(increments))]
    for kept, named in _kept(aggregate).items():
        names[f"#{kept}"], values[f":{kept}"] = kept, named
        adds.append(f"#{kept} :{kept}")
    conditions = []
    for dimension, kept in _BOUNDED.items():
        if guard and dimension in guard:
            names[f"#{kept}"], values[f":{dimension}_one"] = kept, guard[dimension]
            conditions.append(f"(attribute_not_exists(#{kept}) OR size(#{kept}) < :top "
                              f"OR contains(#{kept}, :{dimension}_one))")
    sets = ["expires_at = :expires"]
    for i, (attribute, country) in enumerate(_countries(aggregate).items()):
        names[f"#c{i}"], values[f":c{i}"] = attribute, country
        sets.append(f"#c{i} = :c{i}")
    hour = utc_hour(aggregate.hour)
    update = {
        "TableName": table_name(),
        "Key": to_attribute_values(_key(tenant_id, aggregate)),
        "UpdateExpression": f"ADD {', '.join(adds)} SET {', '.join(sets)}",
        "ExpressionAttributeNames": names,
    }
    if conditions:
        values[":top"] = TOP_PER_HOUR
        update |= {"ConditionExpression": " AND ".join(conditions), "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    update["ExpressionAttributeValues"] = to_attribute_values({**values, ":expires": expires(hour)})
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
                  blocked: bool = False, application: str | None = None) -> bool:
    """Count one ``attack.detected`` event into its hour, in one request unless the hour's IP or endpoint set
    just filled up; ``False`` if this event id was already counted. An internal source address without a
    country counts under the country ``internal``."""
    counts = Counts(attacks=attacks, hits=hits)
    country = country or (INTERNAL if ip and is_internal(ip) else None)
    wanted = {"ips": label(ip) if ip else None, "endpoints": endpoint(host, path)}
    hour_key = (table_name(), tenant_id, utc_hour(at).strftime(HOUR_FORMAT))
    for _ in range(len(_BOUNDED) + 1):
        full = _FULL.get(hour_key, {})
        named = {dimension: value if dimension not in full or value in full[dimension] else _OTHER[dimension]
                 for dimension, value in wanted.items() if value}
        guard = {dimension: value for dimension, value in named.items() if dimension not in full}
        aggregate = HourlyAggregate(hour=at, attacks=attacks, hits=hits, blocked=attacks if blocked else 0,
                                    types={label(attack_type): counts}, hosts={label(host): counts},
                                    countries={label(country): counts} if country else {},
                                    applications={label(application): counts} if application else {},
                                    ip_countries={named["ips"]: label(country)} if country and ip else {},
                                    **{dimension: {value: counts} for dimension, value in named.items()})
        written = write([seen_op(tenant_id, "attack", event_id, at), _add_op(tenant_id, aggregate, guard)],
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


def _bounded(aggregate: HourlyAggregate) -> HourlyAggregate:
    """``aggregate`` with its top ``TOP_PER_HOUR`` IPs and endpoints by name, the rest under "other"."""
    return aggregate.model_copy(update={dimension: _fold(getattr(aggregate, dimension), _OTHER[dimension],
                                                         TOP_PER_HOUR) for dimension in _BOUNDED})


def add_aggregate(tenant_id: str, aggregate: HourlyAggregate) -> None:
    """Add pre-counted attacks to an hour (bulk loads); not idempotent. It keeps its own ``TOP_PER_HOUR`` IPs
    and endpoints by name, without checking what the hour holds already."""
    for part in _parts(_bounded(aggregate)):
        write([_add_op(tenant_id, part)], fallback=_add_op(tenant_id, _collapsed(part)))


def hour_item(tenant_id: str, aggregate: HourlyAggregate) -> dict[str, Any]:
    """The item :func:`add_aggregate` leaves in an hour that held nothing, in one piece."""
    whole = next(_parts(_bounded(aggregate), size=10**9))  # the labels _parts gives, in one part
    return {**_key(tenant_id, whole), **_increments(whole), **_kept(whole), **_countries(whole),
            "expires_at": expires(utc_hour(whole.hour))}


def put_hours(tenant_id: str, aggregates: list[HourlyAggregate]) -> None:
    """Write hours that hold nothing yet (seeding a new tenant's demo data) in batches of 25 puts: a put
    replaces, so each hour appears once in ``aggregates`` and is not in the table already."""
    with table(table_name()).batch_writer() as batch:
        for aggregate in aggregates:
            batch.put_item(Item=hour_item(tenant_id, aggregate))


def aggregate_of(item: dict[str, Any]) -> HourlyAggregate:
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
