"""The store contracts (tests/support/contracts) on the in-memory fakes the decision tests use."""

import pytest

from chalicelib.stores import Stores
from tests.support.contracts.counters import CounterStoreContract
from tests.support.contracts.events import EventStoreContract
from tests.support.contracts.integrations import IntegrationStoreContract
from tests.support.contracts.schedules import ScheduleStoreContract
from tests.support.contracts.tenants import TenantStoreContract
from tests.support.fakes import fake_stores


@pytest.fixture
def stores() -> Stores:
    return fake_stores()


class TestIntegrations(IntegrationStoreContract):
    pass


class TestCounters(CounterStoreContract):
    pass


class TestEvents(EventStoreContract):
    pass


class TestSchedules(ScheduleStoreContract):
    pass


class TestTenants(TenantStoreContract):
    pass
