"""Snoozes and mutes: mail about one trigger or vulnerability held back for a recipient or a whole integration."""

from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from pydantic import Field

from chalicelib.models.common import Model


class Length(NamedTuple):
    """How long a snooze lasts, and how a page says it."""

    delta: timedelta
    words: str


# The snooze lengths, by the key the mail links and the console's form name them with (a mute has none).
LENGTHS = {"1h": Length(timedelta(hours=1), "1 hour"), "1d": Length(timedelta(days=1), "1 day"),
           "1w": Length(timedelta(days=7), "1 week")}


class Snooze(Model):
    """Who holds back what, for whom, until when (docs/snoozes.md). Its ``id`` is made of its integration, ``about``
    and address, so snoozing the same thing again replaces it (a later end, or an earlier one)."""

    id: str
    tenant_id: str = Field(exclude=True)
    integration_id: str
    kind: Literal["snooze", "mute"]
    about: str = Field(description="what it holds back: trigger:<id>, or vulnerability:<id>@<status>:<since when>")
    label: str = Field(description="what the mail it came from was about (its subject), or the trigger's name")
    address: str | None = Field(None, description="the one recipient it holds mail back for; null: every recipient")
    until: datetime | None = Field(None, description="when it ends; null: a mute, until the vulnerability's status "
                                                     "changes")
    created_by: str = Field(description="the address that followed the mail's link, or the console's user")
    created_at: datetime


class SnoozePage(Model):
    items: list[Snooze]
    next_cursor: str | None


def about_trigger(trigger_id: str) -> str:
    """What a trigger's alerts are about, for their snooze links."""
    return f"trigger:{trigger_id}"


def about_vulnerability(vulnerability_id: str, status: str, status_since: datetime) -> str:
    """What a vulnerability's mail is about: the vulnerability in its current status run, so a mute made from it
    holds nothing once the status changes (that change's mail is about the next run)."""
    return f"vulnerability:{vulnerability_id}@{status}:{status_since.isoformat()}"
