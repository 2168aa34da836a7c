"""The store contracts (tests/support/contracts) on the in-memory fakes the decision tests use."""

import pytest

from chalicelib.stores import Stores
from tests.support.contracts import StoreContracts
from tests.support.fakes import fake_stores


@pytest.fixture
def stores() -> Stores:
    return fake_stores()


class TestFakeStores(StoreContracts):
    pass
