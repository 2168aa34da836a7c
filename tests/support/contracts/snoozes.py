"""The snooze store's contract."""

from datetime import datetime, timedelta

from chalicelib.aws.dynamo import all_pages
from chalicelib.models.snoozes import Snooze
from chalicelib.stores import Stores

AT = datetime(2026, 3, 2, 10, 0).astimezone()


def snooze(snooze_id: str = "s1", tenant_id: str = "t1", **fields: object) -> Snooze:
    return Snooze.model_validate({
        "id": snooze_id, "tenant_id": tenant_id, "integration_id": "i1", "kind": "snooze", "about": "trigger:tr1",
        "label": "Trigger “Bursts”: 120 attacks", "address": "a@acme.example", "until": AT + timedelta(hours=1),
        "created_by": "a@acme.example", "created_at": AT, **fields})


class SnoozeStoreContract:
    def test_a_snooze_reads_back_whole_only_for_its_tenant_and_is_replaced_by_its_id(self, stores: Stores) -> None:
        first = snooze()
        mute = snooze("s2", kind="mute", about="vulnerability:v1@open:2026-03-01T00:00:00+00:00", address=None,
                      until=None)
        stores.snoozes.record(first)
        stores.snoozes.record(mute)
        later = snooze(until=AT + timedelta(days=1))
        stores.snoozes.record(later)

        assert stores.snoozes.get("t1", "s1") == later
        assert stores.snoozes.get("t2", "s1") is None
        assert sorted(s.id for s in stores.snoozes.get_many("t1", {"s1", "s2", "nope"})) == ["s1", "s2"]
        assert stores.snoozes.get_many("t2", {"s1"}) == [] and stores.snoozes.get_many("t1", set()) == []
        assert [s.model_dump() for s in stores.snoozes.get_many("t1", {"s2"})] == [mute.model_dump()]

    def test_a_link_makes_a_snooze_once(self, stores: Stores) -> None:
        assert not stores.snoozes.used("t1", "link-1")
        assert stores.snoozes.record(snooze(), "link-1", AT + timedelta(days=7))

        assert not stores.snoozes.record(snooze(until=AT + timedelta(days=1)), "link-1", AT + timedelta(days=7))
        assert stores.snoozes.used("t1", "link-1") and not stores.snoozes.used("t2", "link-1")
        stored = stores.snoozes.get("t1", "s1")
        assert stored is not None and stored.until == AT + timedelta(hours=1)  # the refused write changed nothing
        assert stores.snoozes.record(snooze("s1", "t2"), "link-1", AT)  # links are per tenant

    def test_pages_list_every_snooze_of_the_tenant_once_and_a_delete_lifts_one(self, stores: Stores) -> None:
        for n in range(5):
            stores.snoozes.record(snooze(f"s{n}"))
        stores.snoozes.record(snooze("other", "t2"))
        stores.snoozes.record(snooze("s9"), "link-9", AT)  # a used link's mark is not a snooze

        seen = all_pages(lambda cursor: stores.snoozes.page("t1", 2, cursor))

        assert [s.id for s in seen] == ["s0", "s1", "s2", "s3", "s4", "s9"]
        assert stores.snoozes.delete("t1", "s0") and not stores.snoozes.delete("t1", "s0")
        assert not stores.snoozes.delete("t1", "other")
        assert stores.snoozes.get("t1", "s0") is None and stores.snoozes.get("t2", "other") is not None
