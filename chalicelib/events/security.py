"""Feed the security-data store from ingested events: ``attack.detected`` into the hourly counters,
``incident.detected`` as records, ``vulnerability.detected`` and ``vulnerability.status_changed`` into one
record per vulnerability (``data.id``; without one, the event id). Idempotent on the event id (the store keeps a
"seen" mark in the same transaction), so re-routing an event never counts it twice.

A ``vulnerability.status_changed`` for an id never detected is stored from what it carries when it gives
``risk`` and ``title``; without them there is nothing a report or a mail could show, so it is logged and dropped.
"""

from datetime import UTC, datetime
from typing import Any

from chalicelib.aws import security_repo
from chalicelib.models.events import AttackData, Event, IncidentData, VulnerabilityData, VulnerabilityStatusData
from chalicelib.models.security import DESCRIPTION, Incident, Observed, Vulnerability, VulnerabilityChange
from chalicelib.observability import logger

SECURITY_EVENTS = frozenset({"attack.detected", "vulnerability.detected", "vulnerability.status_changed",
                             "incident.detected"})


def _description(details: VulnerabilityData | VulnerabilityStatusData) -> dict[str, Any]:
    """The descriptive fields an event gives: all of them for a detection, only those given for a status change."""
    if isinstance(details, VulnerabilityStatusData):
        return {key: value for key, value in (("risk", details.risk), ("title", details.title)) if value is not None}
    fields = {key: getattr(details, key) or "" for key in DESCRIPTION}
    return {**fields, "host": details.host or details.domain or "", "link": details.link}


def _vulnerability(tenant_id: str, event: Event, at: datetime,
                   details: VulnerabilityData | VulnerabilityStatusData) -> VulnerabilityChange | None:
    vulnerability_id = details.id or event.id
    status: Observed = "open" if details.status == "reopened" else details.status
    description = _description(details)

    def apply(record: Vulnerability | None) -> Vulnerability | None:
        if record is None:
            if "risk" not in description or "title" not in description:
                logger.info("status change of an unknown vulnerability ignored",
                            extra={"tenant_id": tenant_id, "event_id": event.id, "vulnerability_id": vulnerability_id})
                return None
            return Vulnerability(id=vulnerability_id, at=at, status=status, described_at=at, **description)
        return record.observe(at, status).describe(at, description)

    return security_repo.record_vulnerability(tenant_id, event.id, at, vulnerability_id, apply)


def record(tenant_id: str, event: Event) -> VulnerabilityChange | None:
    """Store what the reports need of ``event``; for a vulnerability event, what it changed (also when the
    event was stored before), ``None`` for any other event or when nothing was stored."""
    if event.type not in SECURITY_EVENTS:
        return None
    at, details = event.time.astimezone(UTC), event.details()  # the event's time is aware and bounded
    if isinstance(details, AttackData):
        security_repo.record_attack(tenant_id, event.id, at, details.type, details.host, hits=details.hits,
                                    ip=details.ip, country=details.country, path=details.path,
                                    blocked=bool(details.blocked), application=details.application)
    elif isinstance(details, (VulnerabilityData, VulnerabilityStatusData)):
        return _vulnerability(tenant_id, event, at, details)
    else:
        assert isinstance(details, IncidentData)
        security_repo.record_incident(tenant_id, Incident(
            id=event.id, at=at, title=details.title, host=details.host or details.domain or "", risk=details.risk,
            attack_type=details.attack_type or details.type or "", status=details.status))
    return None
