"""The deliveries store: what the delivery worker, the outbox and the delivery log ask of storage.

A try is claimed with a conditional write, and the try before it (of another delivery, in the same worker batch)
is recorded in that same write, so a worker stopped at any point leaves at most one claimed try unrecorded: the
one it was sending. Implementations: ``aws/deliveries_repo.py`` (DynamoDB), ``tests/support/fakes/deliveries.py``.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from chalicelib.models.deliveries import Attempt, Delivery
from chalicelib.models.integrations import Integration
from chalicelib.models.snoozes import Snooze

Pair = tuple[str, str]  # (tenant_id, integration id | delivery id | address)
Message = tuple[dict[str, Any], int]  # a delivery worker message and its delay in seconds


@dataclass(frozen=True)
class Keys:
    """What a worker batch reads at once, by ``(tenant_id, …)`` pairs."""

    tenants: set[str] = field(default_factory=set)
    integrations: set[Pair] = field(default_factory=set)
    addresses: set[Pair] = field(default_factory=set)
    deliveries: set[Pair] = field(default_factory=set)
    snoozes: set[Pair] = field(default_factory=set)  # (tenant_id, snooze id)


@dataclass(frozen=True)
class Snapshot:
    """The batch's reads, consistent: live tenants, integrations that exist (each with its unsubscribe key), the
    suppressed ones of the asked addresses, the deliveries and the snoozes that exist."""

    tenants: set[str] = field(default_factory=set)
    integrations: dict[Pair, Integration] = field(default_factory=dict)
    suppressed: set[Pair] = field(default_factory=set)
    deliveries: dict[Pair, Delivery] = field(default_factory=dict)
    snoozes: dict[Pair, Snooze] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """A claimed try's result, as recorded: its messages, the delivery's new status and the send requests it
    adds to the integration's failure ratio (``counted``: requests, failed)."""

    delivery: Delivery
    attempts: list[Attempt]
    status: str
    next_try_at: datetime | None = None
    error: str | None = None
    reason: str | None = None
    counted: tuple[int, int] = (0, 0)


class DeliveryStore(Protocol):
    def create_all(self, deliveries: list[Delivery]) -> list[bool]:
        """Write new deliveries; for each, ``False`` if it existed (a re-routed event)."""

    def get(self, tenant_id: str, delivery_id: str) -> Delivery | None: ...

    def log_page(self, tenant_id: str, integration_id: str, limit: int, cursor: str | None,
                 status: str | None) -> tuple[list[Delivery], str | None]:
        """An integration's deliveries, newest first."""

    def restart(self, delivery: Delivery, at: datetime) -> bool:
        """Redrive a dead or skipped delivery (fresh schedule, history kept); ``False`` unless it was one."""

    def read(self, keys: Keys) -> Snapshot:
        """Everything a worker batch needs, in one consistent read."""

    def reserve_sends(self, at: datetime, wanted: int) -> int:
        """Reserve ``wanted`` SES sends in the second of ``at`` for every worker; returns how many were before."""

    def claim(self, delivery: Delivery, number: int, at: datetime, recipients: list[str],
              recording: Outcome | None = None) -> tuple[bool, Delivery | None]:
        """Claim try ``number`` of ``delivery`` as read, for ``recipients``: only if try ``number - 1`` was its last
        and nothing was recorded since the read. ``recording`` is written in the same write whether or not the
        claim holds. Returns whether it was claimed and the delivery as it is now (``None``: there is none)."""

    def record(self, outcomes: list[Outcome]) -> None:
        """Record claimed tries and their request counters, all at once."""

    def finish(self, tenant_id: str, delivery_id: str, status: str, at: datetime, reason: str,
               claimed: int = 0) -> bool:
        """End a delivery nobody is sending, unless it ended; with ``claimed``, the try this worker claimed and
        found nothing to send for."""


class DeliveryQueue(Protocol):
    """Where the worker puts the tries it does later."""

    def send(self, messages: list[Message]) -> None:
        """Queue ``(body, delay_seconds)`` messages."""

    def chain(self, body: dict[str, Any], now: datetime) -> bool:
        """Queue ``body`` again for its ``due`` if that is later than ``now``; ``True`` if it was."""
