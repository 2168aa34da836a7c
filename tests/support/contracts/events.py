"""The event log's contract."""

from datetime import timedelta

from chalicelib import clock
from chalicelib.models.events import Event
from chalicelib.stores import Stores
from chalicelib.stores.events import Claim

MINUTE = timedelta(minutes=1)


def event(event_id: str = "e1", name: str = "Ann") -> Event:
    return Event.model_validate({"id": event_id, "type": "user.created", "time": clock.now().isoformat(),
                                 "data": {"user_email": "ann@acme.example", "user_name": name}})


class EventStoreContract:
    def test_an_event_is_kept_once_per_tenant_and_id(self, stores: Stores) -> None:
        now = clock.now()

        first = stores.events.record("t1", event(), now)
        repeat = stores.events.record("t1", event(name="Bob"), now + MINUTE)
        other = stores.events.record("t2", event(name="Cy"), now)

        assert first[0] and not repeat[0] and other[0]
        assert repeat[1].event == event() and repeat[1].received_at == now and not repeat[1].routed
        assert stores.events.get_many("t1", ["e1", "missing"]) == {"e1": first[1]}

    def test_record_all_says_which_were_new_in_their_order(self, stores: Stores) -> None:
        now = clock.now()
        stores.events.record("t1", event("e2"), now - MINUTE)

        recorded = stores.events.record_all("t1", [event("e1"), event("e2"), event("e3")], now)

        assert [new for new, _ in recorded] == [True, False, True]
        assert [kept.received_at for _, kept in recorded] == [now, now - MINUTE, now]
        assert set(stores.events.get_many("t1", ["e1", "e2", "e3"])) == {"e1", "e2", "e3"}

    def test_one_claim_at_a_time_until_it_ends_or_is_handed_over(self, stores: Stores) -> None:
        now = clock.now()
        stores.events.record("t1", event(), now, Claim("a", now + 2 * MINUTE))

        taken_while_held = stores.events.claim("t1", "e1", now, Claim("b", now + 2 * MINUTE))
        handed = stores.events.claim("t1", "e1", now, Claim("c", now + 2 * MINUTE), handed="a")
        after_it_ended = stores.events.claim("t1", "e1", now + 3 * MINUTE, Claim("d", now + 5 * MINUTE))
        unknown = stores.events.claim("t1", "nope", now, Claim("e", now + MINUTE))

        assert (taken_while_held, handed, after_it_ended, unknown) == (False, True, True, False)

    def test_a_routed_event_is_never_claimed_again(self, stores: Stores) -> None:
        now = clock.now()
        stores.events.record("t1", event(), now)

        stores.events.mark_routed("t1", "e1")

        assert stores.events.get_many("t1", ["e1"])["e1"].routed
        assert stores.events.record("t1", event(), now)[1].routed
        assert not stores.events.claim("t1", "e1", now + 10 * MINUTE, Claim("x", now + 12 * MINUTE))
