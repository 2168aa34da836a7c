"""Builders for the unit tier's decision tests on fakes: integrations and events as the domain sees them, and the
service events the domain emits (recorded instead of routed: the pipeline has tests of its own)."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib import clock
from chalicelib.models.events import Event, own_id
from chalicelib.models.integrations import Integration
from chalicelib.stores import Stores


def integration(integration_id: str, *events: str, tenant_id: str = "t1", active: bool = True,
                **fields: Any) -> Integration:
    moment = clock.now()
    return Integration.model_validate({
        "id": integration_id, "tenant_id": tenant_id, "name": integration_id, "emails": [f"{integration_id}@acme.io"],
        "events": list(events), "active": active, "disabled_reason": None if active else "manual",
        "created_at": moment, "updated_at": moment, "unsubscribe_key": "k", **fields})


def stored(stores: Stores, *integrations: Integration) -> list[Integration]:
    for each in integrations:
        stores.integrations.create(each)
    return list(integrations)


def event(event_type: str, event_id: str = "e1", **data: Any) -> Event:
    """An event as the router gets it; the service's own (``integration.*``) under an id of its own."""
    own = event_type.startswith("integration.")
    return Event.model_validate({"id": own_id(event_id) if own else event_id, "type": event_type,
                                 "time": clock.now().isoformat(), "data": data})


@dataclass(frozen=True)
class Emitted:
    tenant_id: str
    type: str
    data: dict[str, Any]
    farewell: Integration | None
    event_id: str | None


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Emitted]]:
    """The service events (``ingest.emit``) the code under test emits, in order, instead of routing them."""
    from chalicelib.events import ingest

    found: list[Emitted] = []

    def record(stores: Stores, tenant_id: str, event_type: str, data: dict[str, Any],
               farewell: Integration | None = None, event_id: str | None = None) -> None:
        found.append(Emitted(tenant_id, event_type, data, farewell, event_id))

    monkeypatch.setattr(ingest, "emit", record)
    yield found
