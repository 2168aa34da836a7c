"""The deliveries store's contract (chalicelib/stores/deliveries.py): one suite, run on the in-memory fake from
tests/unit/test_deliveries_contract.py and on DynamoDB (moto) from tests/scenario/test_deliveries_contract.py.

Each check takes a :class:`Harness`: the store, and how to put beside it what a worker batch reads (a tenant, an
integration, a suppressed address, a snooze) and read back the request counters, which live in other stores."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.models.deliveries import Attempt, Delivery
from chalicelib.models.integrations import Integration
from chalicelib.models.snoozes import Snooze
from chalicelib.models.tenants import Tenant
from chalicelib.stores.deliveries import DeliveryStore, Keys, Outcome

NOW = datetime(2026, 3, 2, 10, 0, 0).astimezone()


@dataclass(frozen=True)
class Harness:
    store: DeliveryStore
    add_tenant: Callable[[Tenant], None]
    add_integration: Callable[[Integration], None]
    suppress: Callable[[str, str], None]  # (tenant_id, address)
    requests: Callable[[str, str], tuple[int, int]]  # (tenant_id, integration_id) → (total, failed)
    add_snooze: Callable[[Snooze], None]
    tenant_id: str  # unique per test, so checks on one table never meet


def delivery(h: Harness, name: str, integration_id: str = "int-1", at: datetime = NOW) -> Delivery:
    return Delivery(id=f"{at:%Y%m%dT%H%M%S%f}-{name}", tenant_id=h.tenant_id, integration_id=integration_id,
                    subject=f"Subject {name}", html="<p>hi</p>", text="hi", created_at=at, updated_at=at,
                    next_try_at=at)


def created(h: Harness, *names: str) -> list[Delivery]:
    rows = [delivery(h, name) for name in names]
    assert h.store.create_all(rows) == [True] * len(rows)
    return [stored for row in rows if (stored := h.store.get(h.tenant_id, row.id))]


def sent(row: Delivery, number: int, *recipients: str, failed: str = "") -> Outcome:
    """Try ``number`` of ``row`` went to ``recipients``; ``failed`` was refused (recipient side)."""
    attempts = [Attempt(number=number, at=NOW, outcome="sent", recipient=r, message_id=f"m-{r}") for r in recipients]
    attempts += [Attempt(number=number, at=NOW, outcome="failed", recipient=failed, error_code="MessageRejected",
                         error="Address blacklisted.")] if failed else []
    if failed:
        return Outcome(row, attempts, "retrying", NOW + timedelta(seconds=1), f"Address blacklisted. — {failed}",
                       counted=(len(attempts), 1))
    return Outcome(row, attempts, "sent", counted=(len(attempts), 0))


def creating_twice_creates_once(h: Harness) -> None:
    [first] = created(h, "a")
    assert h.store.create_all([delivery(h, "a"), delivery(h, "b")]) == [False, True]
    assert h.store.get(h.tenant_id, first.id) == first and first.status == "queued" and first.attempts == []
    assert h.store.get(h.tenant_id, "nothing") is None


def a_try_is_claimed_once_and_only_after_the_one_before(h: Harness) -> None:
    [row] = created(h, "a")
    assert h.store.claim(row, 2, NOW, ["a@x.io"]) == (False, row)  # try 1 first
    claimed, held = h.store.claim(row, 1, NOW, ["a@x.io"])
    assert claimed and held is not None and (held.status, held.claimed, held.recipients_pending) == (
        "sending", 1, ["a@x.io"])
    assert held == h.store.get(h.tenant_id, row.id)
    again, current = h.store.claim(row, 1, NOW, ["a@x.io"])
    assert not again and current == held  # a second worker sees the claim: it sends nothing


def a_claim_on_a_stale_read_fails(h: Harness) -> None:
    [row] = created(h, "a")
    assert h.store.claim(row, 1, NOW, ["a@x.io"])[0]
    h.store.record([sent(row, 1, failed="a@x.io")])  # try 1 recorded after ``row`` was read
    claimed, current = h.store.claim(row, 2, NOW, ["a@x.io"])
    assert not claimed and current is not None and current.status == "retrying" and len(current.attempts) == 1
    assert h.store.claim(current, 2, NOW, ["a@x.io"])[0]  # on a fresh read it holds


def a_claim_records_the_try_before_it_whether_or_not_it_holds(h: Harness) -> None:
    a, b, c = created(h, "a", "b", "c")
    assert h.store.claim(a, 1, NOW, ["a@x.io"])[0]
    assert h.store.claim(b, 1, NOW, ["b@x.io"], recording=sent(a, 1, "a@x.io"))[0]
    stored_a = h.store.get(h.tenant_id, a.id)
    assert stored_a is not None and stored_a.status == "sent" and stored_a.recipients_sent == ["a@x.io"]
    assert h.store.claim(c, 2, NOW, ["c@x.io"], recording=sent(b, 1, "b@x.io")) == (False, c)
    stored_b = h.store.get(h.tenant_id, b.id)
    assert stored_b is not None and stored_b.status == "sent" and [x.recipient for x in stored_b.attempts] == ["b@x.io"]


def a_claim_may_record_the_same_delivery(h: Harness) -> None:
    [row] = created(h, "a")
    assert h.store.claim(row, 1, NOW, ["a@x.io"])[0]
    claimed, current = h.store.claim(row, 2, NOW, ["a@x.io"], recording=sent(row, 1, failed="a@x.io"))
    assert not claimed and current is not None and current.status == "retrying"  # recorded after the read


def recording_keeps_who_got_it_and_counts_the_requests(h: Harness) -> None:
    a, b = created(h, "a", "b")
    for row in (a, b):
        assert h.store.claim(row, 1, NOW, ["x@x.io", "y@x.io"])[0]
    h.store.record([sent(a, 1, "x@x.io", failed="y@x.io"), sent(b, 1, "x@x.io", "y@x.io")])
    stored = h.store.get(h.tenant_id, a.id)
    assert stored is not None and stored.status == "retrying" and stored.next_try_at == NOW + timedelta(seconds=1)
    assert (stored.recipients_sent, stored.recipients_pending) == (["x@x.io"], ["y@x.io"])
    assert stored.last_error == "Address blacklisted. — y@x.io" and [x.outcome for x in stored.attempts] == [
        "sent", "failed"]
    assert h.requests(h.tenant_id, "int-1") == (4, 1)
    h.store.record([Outcome(stored, [Attempt(number=1, at=NOW, outcome="interrupted", recipient="y@x.io")], "dead",
                            error="unknown")])
    dead = h.store.get(h.tenant_id, a.id)
    assert dead is not None and dead.status == "dead" and dead.recipients_sent == ["x@x.io"]
    assert h.requests(h.tenant_id, "int-1") == (4, 1)


def finishing_ends_only_a_delivery_nobody_is_sending(h: Harness) -> None:
    a, b = created(h, "a", "b")
    assert h.store.finish(h.tenant_id, a.id, "skipped", NOW, "the integration was deleted")
    assert not h.store.finish(h.tenant_id, a.id, "skipped", NOW, "again")
    skipped = h.store.get(h.tenant_id, a.id)
    assert skipped is not None and (skipped.status, skipped.reason) == ("skipped", "the integration was deleted")
    assert h.store.claim(b, 1, NOW, ["b@x.io"])[0]
    assert not h.store.finish(h.tenant_id, b.id, "skipped", NOW, "not while it is sent")
    assert not h.store.finish(h.tenant_id, b.id, "sent", NOW, "another try's", claimed=2)
    assert h.store.finish(h.tenant_id, b.id, "sent", NOW, "nobody left", claimed=1)
    assert not h.store.finish(h.tenant_id, "nothing", "skipped", NOW, "gone")


def a_redrive_restarts_only_an_ended_delivery(h: Harness) -> None:
    a, b = created(h, "a", "b")
    assert h.store.claim(a, 1, NOW, ["a@x.io"])[0]
    h.store.record([Outcome(a, [Attempt(number=1, at=NOW, outcome="interrupted", recipient="a@x.io")], "dead")])
    assert h.store.restart(a, NOW + timedelta(hours=1)) and not h.store.restart(b, NOW)
    restarted = h.store.get(h.tenant_id, a.id)
    assert restarted is not None and (restarted.status, restarted.claimed, len(restarted.attempts)) == ("queued", 0, 1)
    assert h.store.claim(restarted, 1, NOW, ["a@x.io"])[0]  # its schedule starts again at try 1


def the_log_is_newest_first_per_integration(h: Harness) -> None:
    rows = [delivery(h, f"n{n}", at=NOW + timedelta(minutes=n)) for n in range(3)]
    h.store.create_all([*rows, delivery(h, "other", "int-2")])
    assert h.store.finish(h.tenant_id, rows[1].id, "skipped", NOW, "x")
    first, cursor = h.store.log_page(h.tenant_id, "int-1", 2, None, None)
    assert [d.id for d in first] == [rows[2].id, rows[1].id] and cursor
    rest, end = h.store.log_page(h.tenant_id, "int-1", 2, cursor, None)
    assert [d.id for d in rest] == [rows[0].id] and end is None
    assert [d.id for d in h.store.log_page(h.tenant_id, "int-1", 10, None, "skipped")[0]] == [rows[1].id]


def a_batch_reads_all_it_needs_at_once(h: Harness) -> None:
    [row] = created(h, "a")
    h.add_tenant(Tenant(id=h.tenant_id, name="T", primary_email="t@x.io", created_at=NOW))
    h.add_integration(Integration(id="int-1", tenant_id=h.tenant_id, name="I", emails=["a@x.io", "b@x.io"],
                                  events=["vuln_high"], created_at=NOW, updated_at=NOW))
    h.suppress(h.tenant_id, "b@x.io")
    held = Snooze(id="s-1", tenant_id=h.tenant_id, integration_id="int-1", kind="snooze", about="trigger:tr-1",
                  label="Bursts", address="a@x.io", until=NOW + timedelta(hours=1), created_by="a@x.io",
                  created_at=NOW)
    h.add_snooze(held)
    found = h.store.read(Keys({h.tenant_id, "gone"}, {(h.tenant_id, "int-1"), (h.tenant_id, "int-9")},
                              {(h.tenant_id, "a@x.io"), (h.tenant_id, "B@X.io")},
                              {(h.tenant_id, row.id), (h.tenant_id, "nothing")},
                              {(h.tenant_id, "s-1"), (h.tenant_id, "s-9")}))
    assert found.tenants == {h.tenant_id} and found.deliveries == {(h.tenant_id, row.id): row}
    assert found.snoozes == {(h.tenant_id, "s-1"): held}
    assert set(found.integrations) == {(h.tenant_id, "int-1")} and found.suppressed == {(h.tenant_id, "B@X.io")}
    key = found.integrations[h.tenant_id, "int-1"].unsubscribe_key  # one written before keys gets one, once
    assert key and h.store.read(Keys(integrations={(h.tenant_id, "int-1")})).integrations[
        h.tenant_id, "int-1"].unsubscribe_key == key


def sends_are_reserved_per_second(h: Harness) -> None:
    moment = NOW + timedelta(days=400)  # a second nothing else reserves in
    assert h.store.reserve_sends(moment, 3) == 0
    assert h.store.reserve_sends(moment.replace(microsecond=999), 2) == 3
    assert h.store.reserve_sends(moment + timedelta(seconds=1), 1) == 0


CHECKS: list[Callable[[Harness], None]] = [
    creating_twice_creates_once, a_try_is_claimed_once_and_only_after_the_one_before, a_claim_on_a_stale_read_fails,
    a_claim_records_the_try_before_it_whether_or_not_it_holds, a_claim_may_record_the_same_delivery,
    recording_keeps_who_got_it_and_counts_the_requests, finishing_ends_only_a_delivery_nobody_is_sending,
    a_redrive_restarts_only_an_ended_delivery, the_log_is_newest_first_per_integration,
    a_batch_reads_all_it_needs_at_once, sends_are_reserved_per_second,
]
