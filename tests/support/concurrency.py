"""Run calls at the same moment on threads, against moto in process.

AWS handles each request atomically; moto in process does not (two threads can interleave inside
one S3 PutObject or one conditional DynamoDB write). :func:`concurrently` gives moto that same
per-request atomicity with a lock, so what may interleave is exactly what interleaves on AWS: the
requests of our code, not the insides of one request.
"""

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from moto.core.botocore_stubber import BotocoreStubber

T = TypeVar("T")


@contextmanager
def atomic_aws_requests() -> Iterator[None]:
    """Each request to moto runs alone, as on AWS."""
    lock = threading.RLock()
    real = BotocoreStubber.__call__

    def serialised(self: BotocoreStubber, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return real(self, *args, **kwargs)

    BotocoreStubber.__call__ = serialised  # type: ignore[method-assign]
    try:
        yield
    finally:
        BotocoreStubber.__call__ = real  # type: ignore[method-assign]


def concurrently(calls: list[Callable[[], T]]) -> list[T]:
    """Start every call at once, each on its own thread; their results in order (exceptions re-raised)."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with atomic_aws_requests(), ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result() for future in futures]


def widen_race_window(monkeypatch: Any, owner: Any, name: str, seconds: float = 0.05) -> None:
    """Make ``owner.name`` pause after it returns, so concurrent callers all read before any writes."""
    real = getattr(owner, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(owner, name, slow)
