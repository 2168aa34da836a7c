"""Deliveries: one mail to one integration, its tries and their outcome per recipient."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from chalicelib.models.common import Model, PageQuery

Severity = Literal["high", "medium", "low", "info"]  # a mail's X-Email-Report-Severity (email/severity.py)
DeliveryStatus = Literal["queued", "sending", "retrying", "sent", "dead", "skipped"]
FINAL_STATUSES = frozenset({"sent", "dead", "skipped"})


class Attempt(Model):
    """One message of a try: each recipient gets its own, so each has its own outcome (``skipped``: a snooze or
    mute held it back, ``error`` says which)."""

    number: int
    at: datetime
    outcome: Literal["sent", "failed", "interrupted", "skipped"]
    recipient: str | None = Field(None, description="the address this message went to")
    error_code: str | None = None
    error: str | None = None
    message_id: str | None = None
    suppressed: list[str] = Field(default_factory=list, description="addresses left out: on the suppression list")


class Delivery(Model):
    id: str
    tenant_id: str = Field(exclude=True)
    integration_id: str
    kind: Literal["notification", "report", "alert", "digest", "reminder"] = "notification"
    event_id: str | None = None
    event_type: str | None = None
    subject: str
    status: DeliveryStatus = "queued"
    attempts: list[Attempt] = []
    claimed: int = 0
    claimed_at: datetime | None = None
    next_try_at: datetime | None = None
    last_error: str | None = None
    reason: str | None = None
    recipients: list[str] | None = Field(None, description="fixed recipients (a notice about the integration "
                                                           "itself); otherwise the integration's, read at each try")
    recipients_sent: list[str] = Field(default_factory=list, description="addresses that got it: never sent again")
    recipients_pending: list[str] = Field(default_factory=list, description=(
        "addresses of the current or last try that have not got it (retried, or dead-lettered)"))
    subscription: str | None = Field(None, description="the subscribed event type it was sent for, e.g. vuln_high")
    bypass_active: bool = False
    created_at: datetime
    updated_at: datetime
    html: str = Field("", exclude=True)
    text: str = Field("", exclude=True)
    attachment_key: str | None = Field(None, exclude=True)
    data_key: str | None = Field(None, exclude=True)  # a report's CSV zip, attached after the PDF
    thread: str | None = Field(None, exclude=True, description="the mail's thread key (email/threads.py)")
    severity: Severity = Field("info", exclude=True, description="what its mail says in X-Email-Report-Severity")
    about: str | None = Field(None, exclude=True, description="what its snooze or mute links act on (models/snoozes)")


class DeliveryQuery(PageQuery):
    status: DeliveryStatus | None = None


class DeliveryPage(Model):
    items: list[Delivery]
    next_cursor: str | None
