"""Contract suites: what every implementation of a store (``chalicelib.stores``) keeps, as test classes that read a
``stores`` fixture. tests/unit/test_store_contracts.py runs them on the in-memory fakes, and
tests/scenario/test_store_contracts.py on DynamoDB (moto), so the fakes the decision tests use behave as the
tables do."""

from tests.support.contracts.counters import CounterStoreContract
from tests.support.contracts.events import EventStoreContract
from tests.support.contracts.integrations import IntegrationStoreContract
from tests.support.contracts.runs import RunStoreContract
from tests.support.contracts.schedules import ScheduleStoreContract
from tests.support.contracts.snoozes import SnoozeStoreContract
from tests.support.contracts.tenants import TenantStoreContract


class StoreContracts(IntegrationStoreContract, CounterStoreContract, EventStoreContract, ScheduleStoreContract,
                     TenantStoreContract, RunStoreContract, SnoozeStoreContract):
    """Every store's contract: a tier's test class inherits it and gives the ``stores`` fixture."""
