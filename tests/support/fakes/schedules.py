"""In memory: the report schedules (``chalicelib.stores.schedules``)."""

import uuid
from datetime import datetime


class FakeSchedules:
    def __init__(self) -> None:
        self.due: dict[tuple[str, str], datetime | None] = {}  # None: due at once
        self.tokens: dict[tuple[str, str], str] = {}

    def subscribe(self, tenant_id: str, frequency: str, first_due: datetime | None = None) -> None:
        self.due.setdefault((tenant_id, frequency), first_due)
        self.tokens[tenant_id, frequency] = uuid.uuid4().hex

    def subscription(self, tenant_id: str, frequency: str) -> str | None:
        return self.tokens.get((tenant_id, frequency))

    def remove(self, tenant_id: str, frequency: str, token: str | None = None) -> bool:
        key = (tenant_id, frequency)
        if token is not None and self.tokens.get(key) != token:
            return False
        self.tokens.pop(key, None)
        self.due.pop(key, None)
        return True

    def make_due(self, tenant_id: str, frequencies: tuple[str, ...]) -> None:
        for frequency in frequencies:
            if (tenant_id, frequency) in self.due:
                self.due[tenant_id, frequency] = None
