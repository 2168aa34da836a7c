"""The store contracts (tests/support/contracts) on DynamoDB (moto): the tables the fakes stand in for."""

import pytest

from chalicelib.stores import Stores
from chalicelib.wiring import stores as dynamodb_stores
from tests.support.contracts import StoreContracts


@pytest.fixture
def stores() -> Stores:
    return dynamodb_stores()


class TestDynamoDBStores(StoreContracts):
    pass
