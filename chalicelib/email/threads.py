"""Threads: the mails about one thing share a synthetic Message-ID that ``References`` and ``In-Reply-To`` name
(SES replaces our own ``Message-ID``, so no real message's id can anchor a thread) and one subject, so Gmail, Outlook,
Apple Mail and Thunderbird group them.

One thread per report series (integration × frequency), per trigger (its repeated alerts) and per vulnerability
(detected, fixed, reopened). Other notifications and Test integration samples start none. A key is a hash: the id
a recipient sees names no tenant, integration, trigger or vulnerability.
An integration's SLA reminders are one thread too.
"""

import hashlib
from typing import Any

from chalicelib.models.events import Event


def _key(kind: str, *parts: str) -> str:
    """``report.<32 hex>``: a dot-atom, the left-hand side of the msg-id ``build`` writes."""
    digest = hashlib.sha256("\x1f".join((kind, *parts)).encode()).hexdigest()[:32]
    return f"{kind}.{digest}"


def report(tenant_id: str, integration_id: str, frequency: str) -> str:
    return _key("report", tenant_id, integration_id, frequency)


def sla_reminders(tenant_id: str, integration_id: str) -> str:
    return _key("sla", tenant_id, integration_id)


def trigger(tenant_id: str, trigger_id: str) -> str:
    return _key("trigger", tenant_id, trigger_id)


def vulnerability(tenant_id: str, vulnerability_id: str) -> str:
    return _key("vulnerability", tenant_id, vulnerability_id)


def of_event(tenant_id: str, event: Event) -> str | None:
    """The thread of a mailed event: its vulnerability's (the router names the record in ``data.id``), or none."""
    vulnerability_id: Any = event.data.get("id")
    if event.type.startswith("vulnerability.") and isinstance(vulnerability_id, str) and vulnerability_id:
        return vulnerability(tenant_id, vulnerability_id)
    return None
