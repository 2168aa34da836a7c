"""In memory: the event log (``chalicelib.stores.events``)."""

from datetime import datetime

from chalicelib.models.events import Event
from chalicelib.stores.events import Claim, StoredEvent


class FakeEvents:
    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], StoredEvent] = {}
        self.claims: dict[tuple[str, str], Claim] = {}

    def record(self, tenant_id: str, event: Event, received_at: datetime,
               held: Claim | None = None) -> tuple[bool, StoredEvent]:
        key = (tenant_id, event.id)
        if key in self.kept:
            return False, self.kept[key]
        self.kept[key] = StoredEvent(event, received_at)
        if held:
            self.claims[key] = held
        return True, self.kept[key]

    def record_all(self, tenant_id: str, events: list[Event], received_at: datetime,
                   held: Claim | None = None) -> list[tuple[bool, StoredEvent]]:
        return [self.record(tenant_id, event, received_at, held) for event in events]

    def get_many(self, tenant_id: str, event_ids: list[str]) -> dict[str, StoredEvent]:
        return {i: self.kept[tenant_id, i] for i in event_ids if (tenant_id, i) in self.kept}

    def claim(self, tenant_id: str, event_id: str, now: datetime, taken: Claim, handed: str | None = None) -> bool:
        key = (tenant_id, event_id)
        if key not in self.kept or self.kept[key].routed:
            return False
        current = self.claims.get(key)
        if current and current.until > now and current.holder != handed:
            return False
        self.claims[key] = taken
        return True

    def mark_routed(self, tenant_id: str, event_id: str) -> None:
        stored = self.kept[tenant_id, event_id]
        self.kept[tenant_id, event_id] = StoredEvent(stored.event, stored.received_at, routed=True)
