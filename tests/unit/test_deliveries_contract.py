"""The deliveries store's contract (tests/support/contracts/deliveries.py) on the in-memory fake."""

from collections.abc import Callable

import pytest

from chalicelib.models.integrations import Integration
from chalicelib.models.snoozes import Snooze
from chalicelib.models.tenants import Tenant
from tests.support.contracts import deliveries as contract
from tests.support.fakes.deliveries import FakeDeliveries


def harness() -> contract.Harness:
    fake = FakeDeliveries()

    def add_integration(integration: Integration) -> None:
        fake.integrations[integration.tenant_id, integration.id] = integration

    def add_tenant(tenant: Tenant) -> None:
        fake.tenants.add(tenant.id)

    def suppress(tenant_id: str, address: str) -> None:
        fake.suppressed.add((tenant_id, address.casefold()))

    def add_snooze(snooze: Snooze) -> None:
        fake.snoozes[snooze.tenant_id, snooze.id] = snooze

    return contract.Harness(fake, add_tenant, add_integration, suppress,
                            lambda t, i: (fake.requests[t, i, "total"], fake.requests[t, i, "failed"]), add_snooze,
                            "t-1")


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda check: check.__name__)
def test_the_fake_keeps_the_contract(check: Callable[[contract.Harness], None]) -> None:
    check(harness())
