"""Tenants: who is served, their time zone and the SLA days the reports measure against."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictInt

from chalicelib.models.common import Email, Model, Name, Patch, Strict, TimeZone

SlaDaysValue = Annotated[StrictInt, Field(ge=1, le=3650)]


class SlaDays(Strict):
    """Days a vulnerability of each risk may stay open before the reports call it overdue."""

    high: SlaDaysValue = 7
    medium: SlaDaysValue = 30
    low: SlaDaysValue = 90


class SlaDaysUpdate(Patch):
    high: SlaDaysValue | None = None
    medium: SlaDaysValue | None = None
    low: SlaDaysValue | None = None


class Tenant(Model):
    id: str
    name: str
    primary_email: str
    timezone: str = "UTC"
    created_at: datetime
    sla_days: SlaDays = Field(default_factory=SlaDays)


class TenantCreate(Strict):
    name: Name
    primary_email: Email
    timezone: TimeZone = "UTC"


class TenantUpdate(Patch):
    name: Name | None = None
    primary_email: Email | None = None
    timezone: TimeZone | None = None
    sla_days: SlaDaysUpdate | None = Field(None, description="risk levels left out keep their value")


class TenantCreated(Model):
    tenant: Tenant
    admin_token: str
