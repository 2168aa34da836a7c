"""Threads, pure: stable keys that name nothing, and the two headers ``build`` writes (end to end, every kind of
mail: tests/scenario/test_mail_mime.py)."""

import re
from email import message_from_bytes

from chalicelib.email import threads
from chalicelib.email.message import Content, build
from chalicelib.models.events import Event

TENANT = "f68a02d5-b3cb-4962-b33c-7c577444e33f"


def test_a_key_is_stable_per_thing_and_differs_between_things():
    keys = [threads.report(TENANT, "i-1", "weekly"), threads.report(TENANT, "i-1", "daily"),
            threads.report(TENANT, "i-2", "weekly"), threads.report("other", "i-1", "weekly"),
            threads.trigger(TENANT, "i-1"), threads.vulnerability(TENANT, "V-7"), threads.vulnerability(TENANT, "V-8"),
            threads.sla_reminders(TENANT, "i-1"), threads.sla_reminders(TENANT, "i-2")]

    assert keys[0] == threads.report(TENANT, "i-1", "weekly")
    assert len(set(keys)) == len(keys)
    for key in keys:  # a dot-atom, and a hash: no tenant, integration or vulnerability id shows
        assert re.fullmatch(r"(report|trigger|vulnerability|sla)\.[0-9a-f]{32}", key), key
        assert TENANT not in key and "V-7" not in key


def test_only_vulnerability_events_thread():
    def event(event_type: str, **data: str) -> Event:
        return Event(id="e-1", type=event_type, time="2026-11-25T09:00:00Z", data=data)

    assert threads.of_event(TENANT, event("vulnerability.detected", id="V-7", risk="high", title="t")) == (
        threads.of_event(TENANT, event("vulnerability.status_changed", id="V-7", status="closed")))
    assert threads.of_event(TENANT, event("user.created", id="V-7")) is None


def test_build_points_references_and_in_reply_to_at_the_thread_and_a_test_sample_joins_none():
    content = Content("Weekly security report", "<p>x</p>", "x", thread="report.0123")

    threaded = message_from_bytes(build("reports@acme.example", "Reports", ["a@acme.io"], content))
    sample = message_from_bytes(build("reports@acme.example", "Reports", ["a@acme.io"], content.as_test()))

    assert threaded["References"] == threaded["In-Reply-To"] == "<report.0123@acme.example>"
    assert threaded["Message-ID"] != threaded["References"]
    assert sample["References"] is None and sample["In-Reply-To"] is None
