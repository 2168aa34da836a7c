"""In memory: the report schedules (``chalicelib.stores.schedules``)."""

import uuid
from datetime import datetime

from chalicelib.stores.schedules import Due, parse_name, schedule_name


class FakeSchedules:
    def __init__(self) -> None:
        self.due: dict[tuple[str, str], datetime | None] = {}  # (tenant, schedule name) -> None: due at once
        self.tokens: dict[tuple[str, str], str] = {}

    def subscribe(self, tenant_id: str, frequency: str, first_due: datetime | None = None, hour: int = 0) -> None:
        self.due.setdefault((tenant_id, schedule_name(frequency, hour)), first_due)
        self.tokens[tenant_id, schedule_name(frequency, hour)] = uuid.uuid4().hex

    def subscription(self, tenant_id: str, frequency: str, hour: int = 0) -> str | None:
        return self.tokens.get((tenant_id, schedule_name(frequency, hour)))

    def remove(self, tenant_id: str, frequency: str, token: str | None = None, hour: int = 0) -> bool:
        key = (tenant_id, schedule_name(frequency, hour))
        if token is not None and self.tokens.get(key) != token:
            return False
        self.tokens.pop(key, None)
        self.due.pop(key, None)
        return True

    def make_due(self, tenant_id: str, frequencies: tuple[str, ...]) -> None:
        for tenant, name in self.due:
            if tenant == tenant_id and parse_name(name)[0] in frequencies:
                self.due[tenant, name] = None

    def overdue(self, until: datetime, limit: int) -> list[Due]:
        found = sorted((due, tenant, name) for (tenant, name), due in self.due.items() if due and due <= until)
        return [Due(tenant, *_named(name, due)) for due, tenant, name in found[:limit]]


def _named(name: str, due: datetime) -> tuple[str, str, int]:
    frequency, hour = parse_name(name)
    return frequency, due.strftime("%Y-%m-%dT%H:%M:%SZ"), hour
