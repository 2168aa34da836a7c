"""The event log: each event kept once per (tenant, id), with the claim that lets one router at a time route it."""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from chalicelib.models.events import Event


class Claim(NamedTuple):
    """The right to route an event until ``until``, held by ``holder`` (an id of the router that took it)."""

    holder: str
    until: datetime


@dataclass(frozen=True)
class StoredEvent:
    event: Event
    received_at: datetime
    routed: bool = False


class EventStore(Protocol):
    def record(self, tenant_id: str, event: Event, received_at: datetime,
               held: Claim | None = None) -> tuple[bool, StoredEvent]:
        """Keep the event once, claimed by ``held`` when given: ``(True, kept)`` if new, ``(False, the kept one)``
        if its id was seen (then the claim is not taken)."""

    def record_all(self, tenant_id: str, events: list[Event], received_at: datetime,
                   held: Claim | None = None) -> list[tuple[bool, StoredEvent]]:
        """:meth:`record` for events of distinct ids, in their order."""

    def get_many(self, tenant_id: str, event_ids: list[str]) -> dict[str, StoredEvent]:
        """The kept events among ``event_ids``, by id (consistent)."""

    def claim(self, tenant_id: str, event_id: str, now: datetime, taken: Claim, handed: str | None = None) -> bool:
        """Take the right to route a kept, unrouted event: only while nobody else's claim runs at ``now``, or its
        holder ``handed`` it over; of any number of concurrent callers exactly one wins."""

    def mark_routed(self, tenant_id: str, event_id: str) -> None: ...
