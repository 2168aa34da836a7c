"""What the domain asks of storage, as interfaces (``typing.Protocol``), one module per area; the DynamoDB
implementations live in ``chalicelib/aws``, in-memory ones in ``tests/support/fakes``, and
``chalicelib/wiring.py`` is the one place that joins them. Pure: only the base layer below."""

from dataclasses import dataclass

from chalicelib.stores.counters import CounterStore
from chalicelib.stores.deliveries import DeliveryQueue, DeliveryStore
from chalicelib.stores.events import EventStore
from chalicelib.stores.integrations import IntegrationStore
from chalicelib.stores.runs import RunStore
from chalicelib.stores.schedules import ScheduleStore
from chalicelib.stores.snoozes import SnoozeStore
from chalicelib.stores.tenants import TenantStore


@dataclass(frozen=True)
class Stores:
    """Every store the domain uses, passed down from the handlers (``wiring.stores()``) or a test."""

    integrations: IntegrationStore
    counters: CounterStore
    events: EventStore
    schedules: ScheduleStore
    tenants: TenantStore
    deliveries: DeliveryStore
    delivery_queue: DeliveryQueue
    runs: RunStore
    snoozes: SnoozeStore
