"""The security-data table's vulnerability records, their open items and status-change items (the layout:
``chalicelib/aws/security_table.py``)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.aws.clients import client, table
from chalicelib.aws.dynamo import delete_op, from_attribute_values, plain, put_op, to_attribute_values, transact
from chalicelib.aws.security_table import expires, query, table_name
from chalicelib.models.security import OPEN, StatusChange, Vulnerability, VulnerabilityChange

CHANGE_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _vulnerability_key(tenant_id: str, vulnerability_id: str) -> dict[str, str]:
    return {"pk": f"{tenant_id}#vulnerability", "sk": vulnerability_id}


def _change_key(tenant_id: str, change: StatusChange, vulnerability_id: str) -> dict[str, str]:
    return {"pk": f"{tenant_id}#vuln-change",
            "sk": f"{change.at.astimezone(UTC).strftime(CHANGE_FORMAT)}#{vulnerability_id}"}


def get_vulnerability(tenant_id: str, vulnerability_id: str) -> tuple[Vulnerability | None, int]:
    """The record and its version (0: none yet)."""
    item = table(table_name()).get_item(Key=_vulnerability_key(tenant_id, vulnerability_id),
                                        ConsistentRead=True).get("Item")
    return (Vulnerability.model_validate(plain(item)), int(item["version"])) if item else (None, 0)


def _vulnerability_ops(tenant_id: str, before: Vulnerability | None, after: Vulnerability,
                       version: int) -> list[dict[str, Any]]:
    """Write ``after`` over ``before`` (read at ``version``), with its open item and its change items."""
    name, last = table_name(), max(seen.at for seen in after.observed)
    key = _vulnerability_key(tenant_id, after.id)
    item = {**key, **after.model_dump(mode="json"), "version": version + 1}
    if after.status not in OPEN:
        item["expires_at"] = expires(last)
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
                                     "status": change.status, "expires_at": expires(change.at)}))
    return ops


def record_vulnerability(tenant_id: str, event_id: str, at: datetime, vulnerability_id: str,
                         apply: Callable[[Vulnerability | None], Vulnerability | None]) -> VulnerabilityChange | None:
    """Apply the event ``event_id`` (of time ``at``) to its vulnerability: ``apply(record)`` returns the new record
    (``None``: nothing to store). Once per event id: an event seen before returns what it changed then."""
    name = table_name()
    seen_key = {"pk": f"{tenant_id}#seen", "sk": f"vuln#{event_id}"}
    for _ in range(10):
        before, version = get_vulnerability(tenant_id, vulnerability_id)
        after = apply(before)
        if after is None:
            return None
        change = VulnerabilityChange(vulnerability=after, previous_status=before.status if before else None)
        seen = put_op(name, {**seen_key, "change": change.model_dump(mode="json"), "expires_at": expires(at)},
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
    ids = {item["sk"] for item in query(Key("pk").eq(f"{tenant_id}#vuln-open"))}
    since_key = Key("sk").gte(since.astimezone(UTC).strftime(CHANGE_FORMAT))
    return ids | {item["id"] for item in query(Key("pk").eq(f"{tenant_id}#vuln-change") & since_key)}


def vulnerabilities_of(tenant_id: str, start: datetime, end: datetime) -> list[Vulnerability]:
    """The vulnerabilities open at ``start`` or ``end`` or changed in between, by BatchGetItem (100 a call)."""
    keys = [_vulnerability_key(tenant_id, vulnerability_id) for vulnerability_id in sorted(
        _vulnerability_ids(tenant_id, start))]
    found: list[Vulnerability] = []
    for offset in range(0, len(keys), 100):
        request = {table_name(): {"Keys": [to_attribute_values(key) for key in keys[offset:offset + 100]]}}
        while request:
            response = client("dynamodb").batch_get_item(RequestItems=request)
            found += [Vulnerability.model_validate(from_attribute_values(item))
                      for item in response["Responses"].get(table_name(), [])]
            request = response.get("UnprocessedKeys") or {}
    return sorted((v for v in found if v.relevant(start, end)), key=lambda v: (v.at, v.id))
