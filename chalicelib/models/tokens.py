"""API tokens: a role each; the secret is shown once, at creation."""

from datetime import datetime
from typing import Literal

from chalicelib.models.common import Model, Name, Strict

Role = Literal["admin", "viewer", "ingest"]


class Token(Model):
    id: str
    name: str
    role: Role
    created_at: datetime


class TokenCreate(Strict):
    name: Name
    role: Role = "viewer"


class TokenCreated(Token):
    token: str


class TokenInfo(Token):
    """A token as listed: never its secret nor its hash. ``last_used_at`` is updated at most once an hour."""

    last_used_at: datetime | None = None


class TokenPage(Model):
    items: list[TokenInfo]
    next_cursor: str | None
