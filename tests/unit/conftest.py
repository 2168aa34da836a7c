"""The unit tier: plain functions and models, no moto and no network (a socket connect fails the test)."""

import socket
from typing import Any

import pytest

from tests.support.domain import emitted

__all__ = ["emitted"]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit test that reaches for AWS (or anything else) fails at once instead of waiting on a timeout."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"a unit test opened a connection to {address}: it belongs in tests/scenario")

    monkeypatch.setattr(socket.socket, "connect", refuse)
