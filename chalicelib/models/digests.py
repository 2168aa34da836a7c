"""Digests: what an integration that takes its notifications hourly or daily keeps of each one until its period
ends, and which kinds of mail are gathered."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from chalicelib.models.common import Model

DigestFrequency = Literal["hourly", "daily"]
DigestKind = DigestFrequency | Literal["quiet"]  # a quiet digest: what an integration's quiet hours held

# The groups of a digest, in the order the mail shows them; an entry's group is the subscription it was sent for
# (``vuln_high`` …) or ``alert`` for a trigger's alert.
GROUPS: dict[str, str] = {
    "vuln_high": "High-risk vulnerabilities", "vuln_medium": "Medium-risk vulnerabilities",
    "vuln_low": "Low-risk vulnerabilities", "alert": "Trigger alerts", "system": "System", "scope": "Scope changes",
}


class DigestEntry(Model):
    """One notification of a period, as the digest lists it: ``headline`` is the mail's one-line summary (what
    happened and where; the threaded subject names no verb)."""

    source_id: str = Field(description="the event (or trigger alert group) it came from: once per period")
    group: str
    headline: str
    at: datetime
