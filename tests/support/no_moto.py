"""A pytest plugin (``-p tests.support.no_moto``): the session fails when anything imported moto.

tests/scenario/test_tiers.py runs the unit tier with it, so a unit test that starts moto, or a fixture of
tests/support/fixtures.py leaking into tests/unit, fails the suite."""

import sys

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if "moto" in sys.modules:
        print("\nmoto was imported by this session: the unit tier must run without it")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
