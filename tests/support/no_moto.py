"""A pytest plugin (``-p tests.support.no_moto``): a unit tier that imports moto fails.

``make test`` runs tests/unit under it, in a session of its own (the scenario tier imports moto). The test during
which moto appears gets an error naming it, which also works in pytest-xdist's workers; the session's end checks
once more, for an import outside any test (a session-scoped fixture's teardown)."""

import sys

import pytest

_reported = pytest.StashKey[bool]()
MESSAGE = "moto was imported by this session: the unit tier must run without it"


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    if "moto" in sys.modules and not item.config.stash.get(_reported, False):
        item.config.stash[_reported] = True
        raise AssertionError(f"{MESSAGE} (first seen after {item.nodeid})")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if "moto" in sys.modules and not session.config.stash.get(_reported, False):
        print(f"\n{MESSAGE}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
