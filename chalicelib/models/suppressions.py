"""Suppressions: addresses of a tenant that get no mail (hard bounces and complaints)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from chalicelib.models.common import Model


class Suppression(Model):
    """An address of the tenant that gets no mail: it hard-bounced or its owner complained."""

    email: str
    reason: Literal["bounce", "complaint"]
    detail: str | None = None
    message_id: str | None = Field(None, description="SES message id of the mail that bounced or was reported")
    created_at: datetime


class SuppressionPage(Model):
    items: list[Suppression]
    next_cursor: str | None
