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

from _pytest.nodeid import NodeId

from chalicelib import clock
from tests.support.clock import FrozenClock


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--dist loadgroup`` keeps an ``xdist_group``'s tests on one worker by ending their ids with ``@group``.
    pytest-xdist 3.8 writes that to ``item._nodeid``, which pytest 9.2 no longer reads (pytest-xdist issue #1386:
    the groups silently spread, so a module's child stack or package build ran once per worker): write it where
    pytest 9.2 keeps the id. Nothing to do once xdist's own tag took."""
    if not getattr(config.option, "loadgroup", False):  # set in xdist's workers only
        return
    for item in items:
        names = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                        for mark in item.iter_markers("xdist_group")})
        tag = "@" + "_".join(names)
        if names and not item.nodeid.endswith(tag):
            item._id = NodeId.parse(item.nodeid + tag)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    clock.set_source(frozen)
    yield frozen
    clock.set_source(lambda: datetime.now(UTC))
