"""The report schedules' contract."""

from datetime import UTC, datetime, timedelta

from chalicelib.stores import Stores


class ScheduleStoreContract:
    def test_each_subscription_gets_a_new_token_and_a_removal_needs_the_current_one(self, stores: Stores) -> None:
        stores.schedules.subscribe("t1", "daily")
        first = stores.schedules.subscription("t1", "daily")
        stores.schedules.subscribe("t1", "daily")
        second = stores.schedules.subscription("t1", "daily")

        assert first and second and first != second
        assert not stores.schedules.remove("t1", "daily", first)
        assert stores.schedules.remove("t1", "daily", second)
        assert stores.schedules.subscription("t1", "daily") is None

    def test_schedules_are_per_tenant_and_frequency(self, stores: Stores) -> None:
        stores.schedules.subscribe("t1", "weekly")

        assert stores.schedules.subscription("t1", "monthly") is None
        assert stores.schedules.subscription("t2", "weekly") is None
        assert stores.schedules.remove("t1", "weekly")

    def test_making_schedules_due_creates_none(self, stores: Stores) -> None:
        stores.schedules.subscribe("t1", "daily")

        stores.schedules.make_due("t1", ("daily", "weekly", "monthly"))

        assert stores.schedules.subscription("t1", "daily") is not None
        assert stores.schedules.subscription("t1", "weekly") is None

    def test_each_report_hour_is_a_schedule_of_its_own(self, stores: Stores) -> None:
        stores.schedules.subscribe("t1", "weekly", hour=8)

        assert stores.schedules.subscription("t1", "weekly") is None
        assert (token := stores.schedules.subscription("t1", "weekly", hour=8)) is not None
        stores.schedules.make_due("t1", ("weekly",))
        assert stores.schedules.subscription("t1", "weekly", hour=8) == token  # made due, not replaced
        assert stores.schedules.subscription("t1", "weekly", hour=9) is None
        assert stores.schedules.remove("t1", "weekly", token, hour=8)
        assert stores.schedules.subscription("t1", "weekly", hour=8) is None

    def test_overdue_schedules_are_those_placed_at_a_report_time_by_then_oldest_first(self, stores: Stores) -> None:
        due = datetime(2026, 12, 13, 23, tzinfo=UTC)
        stores.schedules.subscribe("t1", "daily", due)
        stores.schedules.subscribe("t2", "weekly", due - timedelta(hours=1), hour=8)
        stores.schedules.subscribe("t3", "daily")  # due at once: nothing of it is late
        stores.schedules.subscribe("t4", "daily", due + timedelta(hours=1))

        found = stores.schedules.overdue(due, 10)

        assert [(d.tenant_id, d.frequency, d.hour, d.due_at) for d in found] == [
            ("t2", "weekly", 8, "2026-12-13T22:00:00Z"), ("t1", "daily", 0, "2026-12-13T23:00:00Z")]
        assert len(stores.schedules.overdue(due, 1)) == 1
