"""The store contracts (tests/support/contracts) on DynamoDB (moto): the tables the fakes stand in for."""

import pytest

from chalicelib.stores import Stores
from chalicelib.wiring import stores as dynamodb_stores
from tests.support.contracts.counters import CounterStoreContract
from tests.support.contracts.events import EventStoreContract
from tests.support.contracts.integrations import IntegrationStoreContract
from tests.support.contracts.schedules import ScheduleStoreContract
from tests.support.contracts.tenants import TenantStoreContract


@pytest.fixture
def stores() -> Stores:
    return dynamodb_stores()


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
