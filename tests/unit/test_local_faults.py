"""The local fault switch fails a send the way a bad address does, so the local demo still shows auto-disable."""

import os
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import clock
from chalicelib.aws import mailer
from chalicelib.delivery import worker
from chalicelib.models.deliveries import Attempt
from local import faults
from local.faults import failing_sends


def test_sends_to_the_failing_domain_are_rejected_like_a_bad_address_and_count(frozen_clock):
    sent: list[list[str]] = []
    send = failing_sends("fail.example", lambda sender, to, raw: sent.append(to) or "id-1")
    assert send("me@x.io", ["ok@acme.io"], b"raw") == "id-1"
    with pytest.raises(mailer.SendError) as refused:
        send("me@x.io", ["soc@FAIL.example"], b"raw")
    assert refused.value.code == "MessageRejected" and not refused.value.sender_side
    attempt = Attempt(number=1, at=frozen_clock.moment, outcome="failed", recipient="soc@fail.example",
                      error_code=refused.value.code, error=refused.value.message)
    assert worker.recipient_side(attempt)  # counts toward the integration's failure ratio
    assert sent == [["ok@acme.io"]]


@pytest.mark.parametrize(("code", "message", "status"), [
    ("Throttling", "Maximum sending rate exceeded.", 400),
    ("Throttling", "Daily message quota exceeded.", 400),
    ("AccountSendingPausedException", "Account sending paused.", 400),
    ("ServiceUnavailable", "Service unavailable", 503),
    ("InternalFailure", "boom", 500),
    ("SomethingNew", "an unknown 5xx", 502),
])
def test_our_capacity_failures_are_sender_side(code, message, status):
    assert mailer.SendError(code, message, status).sender_side


@pytest.mark.parametrize(("code", "message"), [
    ("MessageRejected", "Email address is not verified."),
    ("InvalidParameterValue", "Missing final '@domain'"),
])
def test_recipient_failures_are_not_sender_side(code, message):
    assert not mailer.SendError(code, message, 400).sender_side


def test_the_stacks_worker_processes_run_on_the_stacks_fast_clock(monkeypatch):
    monkeypatch.setenv("LOCAL_CLOCK_RATE", "600")
    monkeypatch.delenv("LOCAL_CLOCK_START", raising=False)
    monkeypatch.setenv("SQS_MAX_DELAY_SECONDS", "0")
    monkeypatch.delenv("LOCAL_SES_FAIL_DOMAIN", raising=False)

    faults.install()  # the stack: it hands its start to the workers it starts, in their environment
    started = datetime.fromisoformat(os.environ["LOCAL_CLOCK_START"])
    assert timedelta(0) <= datetime.now(UTC) - started < timedelta(minutes=1)

    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    monkeypatch.setenv("LOCAL_CLOCK_START", an_hour_ago.isoformat())
    faults.install()  # a worker started by a stack that has run for an hour: 600 hours have passed for both
    assert clock.now() - an_hour_ago >= timedelta(hours=599)
    assert os.environ["LOCAL_CLOCK_START"] == an_hour_ago.isoformat()
