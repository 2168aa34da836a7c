"""For every tier: the test environment and an injected clock. moto's fixtures live in tests/support/fixtures.py and
load only for the scenario tier (tests/scenario/conftest.py)."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "OPERATOR_TOKEN": "operator-secret", "POWERTOOLS_DEV": "false",
    "POWERTOOLS_METRICS_NAMESPACE": "EmailReport", "POWERTOOLS_LOG_LEVEL": "WARNING",
    # SQS hides delayed messages in real time; tests move time with the injected clock instead.
    "SQS_MAX_DELAY_SECONDS": "0", "POWERTOOLS_IDEMPOTENCY_DISABLED": "false",
    # moto's SES reports MaxSendRate 1/s; the pacing tests set their own rate
    "SES_MAX_SEND_RATE": "1000",
})
os.environ.pop("AWS_ENDPOINT_URL", None)

from chalicelib import clock
from tests.support.clock import FrozenClock


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    clock.set_source(frozen)
    yield frozen
    clock.set_source(lambda: datetime.now(UTC))
