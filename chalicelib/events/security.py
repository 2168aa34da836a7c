"""Feed the security-data store from ingested events: ``attack.detected`` into the hourly counters,
``vulnerability.detected`` and ``incident.detected`` as records. Idempotent on the event id (the store
keeps a "seen" mark in the same transaction), so re-routing an event never counts it twice."""

from datetime import UTC, datetime

from chalicelib.aws import security_repo
from chalicelib.models import AttackData, Event, IncidentData, VulnerabilityData
from chalicelib.reports.security_data import Incident, Vulnerability

SECURITY_EVENTS = frozenset({"attack.detected", "vulnerability.detected", "incident.detected"})


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record(tenant_id: str, event: Event) -> bool:
    """Store what the reports need of ``event``; ``False`` if it is not security data or was stored before."""
    if event.type not in SECURITY_EVENTS:
        return False
    at, details = _utc(event.time), event.details()
    if isinstance(details, AttackData):
        return security_repo.record_attack(tenant_id, event.id, at, details.type, details.host, hits=details.hits,
                                           ip=details.ip, country=details.country, path=details.path,
                                           blocked=bool(details.blocked))
    if isinstance(details, VulnerabilityData):
        return security_repo.record_vulnerability(tenant_id, Vulnerability(
            id=event.id, at=at, risk=details.risk, title=details.title, host=details.host or details.domain or "",
            path=details.path or "", method=details.method or "", parameter=details.parameter or "",
            type=details.type or "", status=details.status, link=details.link))
    assert isinstance(details, IncidentData)
    return security_repo.record_incident(tenant_id, Incident(
        id=event.id, at=at, title=details.title, host=details.host or details.domain or "", risk=details.risk,
        attack_type=details.attack_type or details.type or "", status=details.status))
