"""In-memory stores that pass the same contract suites (``tests/support/contracts``) as the DynamoDB ones, for the
domain's decision tests in tests/unit."""

from chalicelib.stores import Stores
from tests.support.fakes.counters import FakeCounters
from tests.support.fakes.deliveries import FakeDeliveries, FakeQueue
from tests.support.fakes.events import FakeEvents
from tests.support.fakes.integrations import FakeIntegrations
from tests.support.fakes.runs import FakeRuns
from tests.support.fakes.schedules import FakeSchedules
from tests.support.fakes.snoozes import FakeSnoozes
from tests.support.fakes.tenants import FakeTenants


def fake_stores() -> Stores:
    integrations, snoozes = FakeIntegrations(), FakeSnoozes()
    return Stores(integrations=integrations, counters=FakeCounters(), events=FakeEvents(), schedules=FakeSchedules(),
                  tenants=FakeTenants(integrations), deliveries=FakeDeliveries(snoozes=snoozes.rows),
                  delivery_queue=FakeQueue(), runs=FakeRuns(), snoozes=snoozes)
