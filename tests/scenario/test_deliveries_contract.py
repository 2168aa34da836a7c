"""The deliveries store's contract (tests/support/contracts/deliveries.py) on DynamoDB (moto)."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from chalicelib.aws import counters_repo, integrations_repo, snoozes_repo, suppressions_repo, tenants_repo
from chalicelib.aws.deliveries_repo import DynamoDeliveries
from chalicelib.aws.dynamo import transact
from chalicelib.models.suppressions import Suppression
from chalicelib.models.tenants import Tenant
from tests.support.contracts import deliveries as contract


def _requests(tenant_id: str, integration_id: str) -> tuple[int, int]:
    buckets = counters_repo.request_buckets(tenant_id, integration_id, contract.NOW - timedelta(days=1))
    return sum(total for _, total, _ in buckets), sum(failed for _, _, failed in buckets)


def _add_tenant(tenant: Tenant) -> None:
    assert transact([tenants_repo.put_op_for(tenant, 1)]) is None


def _suppress(tenant_id: str, address: str) -> None:
    suppressions_repo.put(tenant_id, Suppression(email=address, reason="bounce", created_at=contract.NOW))


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda check: check.__name__)
def test_dynamodb_keeps_the_contract(check: Callable[[contract.Harness], None]) -> None:
    check(contract.Harness(DynamoDeliveries(), _add_tenant, lambda i: integrations_repo.create(i), _suppress,
                           _requests, snoozes_repo.record, "t-1"))
