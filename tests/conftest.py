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

# The modules whose single tests take longest (tens of seconds each), slowest first. pytest-xdist hands out the
# ungrouped tests in collection order (the xdist groups, larger units, go first), so these start at once and the
# two workers finish together instead of one waiting for a long test that was handed out last.
SLOW_FIRST = ("test_ses_pacing", "test_digests", "test_our_failure", "test_demo_data", "test_trigger_ledger",
              "test_report_ledger", "test_scale", "test_security_repo", "test_soak", "test_no_alert_lost",
              "test_bench_smoke", "test_tiers", "test_trigger_alert_figures", "test_mail_mime")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The modules of ``SLOW_FIRST`` first, in its order (each module's own order kept). Then, in xdist's workers:
    ``--dist loadgroup`` keeps an ``xdist_group``'s tests on one worker by ending their ids with ``@group``.
    pytest-xdist 3.8 writes that to ``item._nodeid``, which pytest 9.2 no longer reads (pytest-xdist issue #1386:
    the groups silently spread, so a module's child stack or package build ran once per worker): write it where
    pytest 9.2 keeps the id. Nothing to do once xdist's own tag took."""
    rank = {name: n for n, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))
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
