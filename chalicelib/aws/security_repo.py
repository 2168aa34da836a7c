"""The security-data store (what the scheduled reports read): attacks, incidents and vulnerabilities recorded once
per event, and a period read. The table's layout is described in ``chalicelib/aws/security_table.py``; hour items
live in ``security_attacks``, vulnerability records in ``security_vulnerabilities``."""

from datetime import UTC, datetime
from typing import Any

from chalicelib.aws.dynamo import plain, put_op
from chalicelib.aws.security_attacks import HOUR_FORMAT, add_aggregate, aggregate_of, record_attack
from chalicelib.aws.security_table import PARTITIONS, TIME_FORMAT, between, expires, seen_op, table_name, write
from chalicelib.aws.security_vulnerabilities import (
    get_vulnerability,
    put_vulnerability,
    record_vulnerability,
    vulnerabilities_of,
)
from chalicelib.models.security import Incident, SecurityData, hours_between

__all__ = ["PARTITIONS", "add_aggregate", "get_vulnerability", "put_vulnerability", "read", "record_attack",
           "record_incident", "record_vulnerability"]


def _record_op(tenant_id: str, kind: str, record: Incident) -> dict[str, Any]:
    at = record.at.astimezone(UTC)
    item = {"pk": f"{tenant_id}#{kind}", "sk": f"{at.strftime(TIME_FORMAT)}#{record.id}",
            **record.model_dump(mode="json"), "expires_at": expires(at)}
    return put_op(table_name(), item)


def record_incident(tenant_id: str, incident: Incident) -> bool:
    """Store an incident; ``False`` if this event id was already stored."""
    return write([seen_op(tenant_id, "incident", incident.id, incident.at),
                  _record_op(tenant_id, "incident", incident)])


def read(tenant_id: str, start: datetime, end: datetime, vulnerabilities: bool = True,
         open_since: datetime | None = None) -> SecurityData:
    """Hourly aggregates and incidents of ``[start, end)`` (one Query each, no Scan) and, unless
    ``vulnerabilities`` is false, the vulnerabilities open at its start or end or changed within it; with
    ``open_since``, also the incidents of ``[open_since, start)`` not resolved (one more Query)."""
    data = SecurityData()
    hours = hours_between(start, end)
    if hours:
        low, high = (hour.strftime(HOUR_FORMAT) for hour in hours)
        data.aggregates = [aggregate_of(item) for item in between(f"{tenant_id}#hour", low, high)]
    # A record's key is "<time>#<id>", so "<end>#..." sorts after the bound "<end>": the range is half-open.
    low, high = start.astimezone(UTC).strftime(TIME_FORMAT), end.astimezone(UTC).strftime(TIME_FORMAT)
    data.incidents = [Incident.model_validate(plain(item)) for item in between(f"{tenant_id}#incident", low, high)]
    if open_since is not None:
        earlier = between(f"{tenant_id}#incident", open_since.astimezone(UTC).strftime(TIME_FORMAT), low)
        data.open_before = [incident for incident in (Incident.model_validate(plain(item)) for item in earlier)
                            if not incident.resolved]
    if vulnerabilities:
        data.vulnerabilities = vulnerabilities_of(tenant_id, start, end)
    return data
