"""How urgent a mail is, said in its ``X-Email-Report-Severity`` header for mail rules: the one mapping.

- a vulnerability detected or reopened: its risk (``high``, ``medium``, ``low``); fixed or marked a false
  positive: ``info`` (news, nothing to do);
- a threshold alert (a spike the team asked to hear about at once): ``high``; an alert listing events (API
  changes, new users): ``medium``;
- a system change (users, applications) or a scope change: ``low``;
- an SLA reminder (vulnerabilities open past their SLA): the highest risk it lists;
- the service's own notices (an integration disabled, failing, a recipient gone), reports and digests:
  ``info`` (a digest is mail its integration chose to receive batched).

A Test integration sample carries the severity of the kind it samples, so a mail rule can be tried with it.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.models.deliveries import Severity
from chalicelib.models.events import EVENTS
from chalicelib.models.security import OPEN, RISKS, Risk
from chalicelib.models.triggers import ThresholdCondition

HEADER = "X-Email-Report-Severity"
# What Outlook (Importance) and older clients (Priority, RFC 2156) show as a high-priority mail.
URGENT_HEADERS = (("Importance", "high"), ("Priority", "urgent"))


def of_event(event_type: str, data: Mapping[str, Any]) -> Severity:
    """The severity of the mail about an event of ``event_type`` with ``data`` (a trigger alert's data is its
    condition), from the registry (:data:`chalicelib.models.events.EVENTS`)."""
    kind = EVENTS[event_type]
    if kind.origin == "trigger":
        return "high" if kind.data is ThresholdCondition else "medium"
    if kind.origin == "service":
        return "info"
    if kind.subscription == "vuln":
        return data["risk"] if data.get("status", "open") in OPEN else "info"
    return "low"


def of_overdue(risks: Iterable[Risk]) -> Severity:
    """The severity of an SLA reminder listing vulnerabilities of ``risks`` (at least one)."""
    listed = set(risks)
    return next(risk for risk in RISKS if risk in listed)


def headers(severity: Severity) -> list[tuple[str, str]]:
    """The header fields that say ``severity``."""
    return [(HEADER, severity), *(URGENT_HEADERS if severity == "high" else ())]
