"""The delivery worker's decisions on the in-memory deliveries store (tests/support/fakes/deliveries.py), with our
SES adapter (``mailer.send_raw``) answering as each test says: retry cycles, dead letters, suppression, skips,
per-recipient failures, and what a worker stopped mid-batch leaves."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import clock
from chalicelib.aws import mailer
from chalicelib.delivery import schedule, worker
from chalicelib.models.deliveries import Delivery
from chalicelib.models.integrations import Integration
from tests.support.clock import FrozenClock
from tests.support.fakes import fake_stores
from tests.support.fakes.deliveries import FakeDeliveries, FakeQueue

TENANT = "t-1"


class Crash(BaseException):
    """The worker process dies: nothing in it catches this."""


class Ses:
    """Our SES adapter's answers: who got which message, and what to refuse or when to die."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.refuse: dict[str, str] = {}  # address → SES error code
        self.crash_after: int | None = None  # die once this many messages went out

    def __call__(self, sender: str, recipients: list[str], raw: bytes) -> str:
        [address] = recipients
        if code := self.refuse.get(address):
            raise mailer.SendError(code, "Address blacklisted." if code == "MessageRejected" else "Rate exceeded")
        self.sent.append(address)
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            self.crash_after = None
            raise Crash(address)
        return f"m-{len(self.sent)}"


class World:
    def __init__(self, now: FrozenClock) -> None:
        self.clock, self.store, self.queue = now, FakeDeliveries(tenants={TENANT}), FakeQueue()
        self.stores = replace(fake_stores(), deliveries=self.store, delivery_queue=self.queue)

    def integration(self, name: str, *emails: str, active: bool = True) -> Integration:
        found = Integration(id=name, tenant_id=TENANT, name=name, emails=list(emails), events=["vuln_high"],
                            active=active, created_at=self.clock.moment, updated_at=self.clock.moment,
                            unsubscribe_key="k")
        self.store.integrations[TENANT, name] = found
        return found

    def delivery(self, integration: Integration, name: str = "d") -> dict[str, Any]:
        """A queued delivery and the message of its first try."""
        now = self.clock.moment
        self.store.create_all([Delivery(id=f"{name}-{integration.id}", tenant_id=TENANT,
                                        integration_id=integration.id, subject="New vulnerability", html="<p>x</p>",
                                        text="x", created_at=now, updated_at=now, next_try_at=now)])
        return {"tenant_id": TENANT, "delivery_id": f"{name}-{integration.id}", "integration_id": integration.id,
                "try": 1, "due": now.isoformat(), "addresses": integration.emails}

    def row(self, message: dict[str, Any]) -> Delivery:
        found = self.store.get(TENANT, message["delivery_id"])
        assert found is not None
        return found

    def run(self, *messages: dict[str, Any]) -> None:
        """One worker batch of ``messages``, start to end."""
        batch = worker.Batch.read(self.stores, list(messages))
        for message in messages:
            batch.process(message)
        batch.record()

    def crash_then_redeliver(self, messages: list[dict[str, Any]]) -> None:
        """A batch whose worker dies (:class:`Crash`), then the same messages again once claims' leases passed."""
        batch = worker.Batch.read(self.stores, messages)
        with pytest.raises(Crash):
            for message in messages:
                batch.process(message)
        self.clock.advance(seconds=300)
        self.run(*messages)

    def next_tries(self) -> list[dict[str, Any]]:
        """The messages queued since the last call, the clock moved to when the first is due."""
        queued, self.queue.sent = self.queue.sent, []
        if queued:
            self.clock.advance(seconds=max(delay for _, delay in queued))
        return [body for body, _ in queued]


@pytest.fixture
def world(frozen_clock: FrozenClock) -> World:
    return World(frozen_clock)


@pytest.fixture
def ses(monkeypatch: pytest.MonkeyPatch) -> Iterator[Ses]:
    answers = Ses()
    monkeypatch.setattr(mailer, "send_raw", answers)
    yield answers


def test_a_refused_address_follows_the_seeds_schedule_then_is_dead_lettered(world: World, ses: Ses) -> None:
    # GIVEN an integration whose address SES rejects every time
    message = world.delivery(world.integration("soc", "soc@acme.io"))
    ses.refuse["soc@acme.io"] = "MessageRejected"
    started, waits = clock.now(), []
    # WHEN every try runs when it falls due
    messages = [message]
    while messages:
        world.run(*messages)
        waits += [delay for _, delay in world.queue.sent]
        messages = world.next_tries()
    # THEN the waits are the seed's, and after the last try the delivery is dead, every try counted against it
    row = world.row(message)
    assert waits == list(schedule.DELAYS) and clock.now() - started == timedelta(seconds=sum(schedule.DELAYS))
    assert row.status == "dead" and row.reason == "the retry schedule is spent"
    assert len(row.attempts) == schedule.MAX_TRIES and row.last_error == "Address blacklisted. — soc@acme.io"
    assert (world.store.requests[TENANT, "soc", "total"], world.store.requests[TENANT, "soc", "failed"]) == (
        schedule.MAX_TRIES, schedule.MAX_TRIES)


def test_our_capacity_is_retried_with_a_backoff_and_never_counted(world: World, ses: Ses) -> None:
    message = world.delivery(world.integration("soc", "soc@acme.io"))
    ses.refuse["soc@acme.io"] = "Throttling"
    world.run(message)
    world.run(*world.next_tries())
    assert [delay for _, delay in world.queue.sent] == [schedule.SENDER_DELAYS[1]]
    row = world.row(message)
    assert row.status == "retrying" and [a.error_code for a in row.attempts] == ["Throttling"] * 2
    assert world.store.requests[TENANT, "soc", "total"] == 0


def test_one_refused_address_is_retried_alone(world: World, ses: Ses) -> None:
    # GIVEN an integration with two addresses, one of which SES rejects once
    message = world.delivery(world.integration("soc", "a@acme.io", "b@acme.io"))
    ses.refuse["b@acme.io"] = "MessageRejected"
    world.run(message)
    row = world.row(message)
    assert (row.status, row.recipients_sent, row.recipients_pending) == ("retrying", ["a@acme.io"], ["b@acme.io"])
    # WHEN the next try runs and SES takes it
    ses.refuse.clear()
    world.run(*world.next_tries())
    # THEN only the refused address got it then, and each address got exactly one message
    assert ses.sent == ["a@acme.io", "b@acme.io"] and world.row(message).status == "sent"
    assert (world.store.requests[TENANT, "soc", "total"], world.store.requests[TENANT, "soc", "failed"]) == (3, 1)


def test_a_suppressed_address_is_left_out_and_one_left_alone_skips_the_delivery(world: World, ses: Ses) -> None:
    world.store.suppressed.add((TENANT, "b@acme.io"))
    both = world.delivery(world.integration("soc", "a@acme.io", "B@acme.io"))
    alone = world.delivery(world.integration("ops", "b@acme.io"))
    world.run(both, alone)
    assert ses.sent == ["a@acme.io"] and world.row(both).attempts[0].suppressed == ["B@acme.io"]
    skipped = world.row(alone)
    assert skipped.status == "skipped" and skipped.reason is not None and "b@acme.io" in skipped.reason


@pytest.mark.parametrize(("change", "reason"), [
    ("disable", "the integration is disabled (manual); enable it, then redrive this delivery"),
    ("delete", "the integration was deleted"), ("empty", worker.NO_RECIPIENTS), ("tenant", "the tenant was deleted")])
def test_a_delivery_nobody_may_get_is_skipped_with_the_reason(world: World, ses: Ses, change: str,
                                                               reason: str) -> None:
    integration = world.integration("soc", "soc@acme.io")
    message = world.delivery(integration)
    if change == "disable":
        world.store.integrations[TENANT, "soc"] = integration.model_copy(update={"active": False})
    elif change == "delete":
        del world.store.integrations[TENANT, "soc"]
    elif change == "empty":
        world.store.integrations[TENANT, "soc"] = integration.model_copy(update={"emails": []})
    else:
        world.store.tenants.clear()
    world.run(message)
    row = world.row(message)
    assert (row.status, row.reason, ses.sent, world.queue.sent) == ("skipped", reason, [], [])


@pytest.mark.parametrize("crash_after", [1, 2])
def test_a_worker_stopped_mid_batch_leaves_only_the_send_it_was_making_unknown(world: World, ses: Ses,
                                                                                 crash_after: int) -> None:
    # GIVEN a batch of three deliveries; the first is refused (a retry), the others go out
    messages = [world.delivery(world.integration(f"i{n}", f"i{n}@acme.io")) for n in range(3)]
    ses.refuse["i0@acme.io"] = "MessageRejected"
    # WHEN the worker dies right after SES took the ``crash_after``-th message of the batch
    ses.crash_after = crash_after
    # AND SQS brings the whole batch back once the claim's lease has passed
    world.crash_then_redeliver(messages)
    # THEN only the delivery whose send was in flight is dead ("outcome unknown"); every other one went on
    rows = [world.row(message) for message in messages]
    assert [row.status for row in rows] == ["retrying", *("dead" if n == crash_after else "sent" for n in (1, 2))]
    assert rows[crash_after].attempts[-1].outcome == "interrupted"
    assert ses.sent == ["i1@acme.io", "i2@acme.io"]  # nothing was sent twice
    assert [body["delivery_id"] for body in world.next_tries()] == [messages[0]["delivery_id"]]


def test_a_worker_stopped_after_a_claim_leaves_that_try_alone_unknown(world: World, ses: Ses,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    messages = [world.delivery(world.integration(f"i{n}", f"i{n}@acme.io")) for n in range(3)]
    claims = 0
    real = world.store.claim

    def claim(*args: Any, **kwargs: Any) -> Any:
        nonlocal claims
        result = real(*args, **kwargs)
        claims += 1
        if claims == 3:
            raise Crash("after the third claim")
        return result

    monkeypatch.setattr(world.store, "claim", claim)
    world.crash_then_redeliver(messages)
    assert [world.row(message).status for message in messages] == ["sent", "sent", "dead"]
    assert ses.sent == ["i0@acme.io", "i1@acme.io"]


def test_a_second_message_for_a_try_this_batch_holds_waits(world: World, ses: Ses) -> None:
    message = world.delivery(world.integration("soc", "soc@acme.io"))
    batch = worker.Batch.read(world.stores, [message, dict(message)])
    batch.process(message)
    with pytest.raises(worker.TryInFlight):
        batch.process(dict(message))
    batch.record()
    assert ses.sent == ["soc@acme.io"] and world.row(message).status == "sent"


def test_a_message_that_names_neither_its_integration_nor_its_addresses_finds_both(world: World, ses: Ses) -> None:
    # GIVEN a message queued before messages named their integration, to an integration with a suppressed address
    world.store.suppressed.add((TENANT, "b@acme.io"))
    message = world.delivery(world.integration("soc", "a@acme.io", "b@acme.io"))
    del message["integration_id"], message["addresses"]
    # WHEN it is processed THEN the delivery's integration gets it, without the suppressed address
    world.run(message)
    assert ses.sent == ["a@acme.io"] and world.row(message).attempts[0].suppressed == ["b@acme.io"]
