"""Requests served at once in process each read their own request, as on Lambda (one request per container)
and under `chalice local`: the app fixture keeps ``current_request`` per thread (tests/support/fixtures.py)."""

import threading
from typing import Any

from tests.support.api import TenantHandle
from tests.support.concurrency import concurrently


def test_each_thread_reads_the_request_it_was_given(app: Any) -> None:
    both_set = threading.Barrier(2)

    def serve(request: str) -> Any:
        app.current_request = request
        both_set.wait()  # the other thread has set its own meanwhile
        return app.current_request

    assert concurrently([lambda: serve("a"), lambda: serve("b")]) == ["a", "b"]


def test_distinct_events_posted_at_once_are_each_accepted_once(acme: TenantHandle) -> None:
    def post(n: int) -> set[str]:
        event = {"id": f"c-{n}", "type": "user.created", "time": "2026-11-25T09:59:00Z",
                 "data": {"email": f"user{n}@acme.io"}}
        status, body = acme.call("POST", "/v1/events", {"events": [event]})
        assert status == 202, body
        return {f"{r['id']}:{r['status']}" for r in body["results"]}

    results = concurrently([lambda n=n: post(n) for n in range(8)])

    assert results == [{f"c-{n}:accepted"} for n in range(8)]
