"""The counter store's contract."""

from datetime import timedelta

from chalicelib import clock
from chalicelib.stores import Stores

HOUR = timedelta(hours=1)


class CounterStoreContract:
    def test_requests_add_up_per_hour_from_the_hour_of_since(self, stores: Stores) -> None:
        now = clock.now().replace(minute=30)
        hour = now.replace(minute=0)
        stores.counters.count_requests("t1", "i1", now - 2 * HOUR, 4, 0)
        stores.counters.count_requests("t1", "i1", now - HOUR, 3, 1)
        stores.counters.count_requests("t1", "i1", now, 2, 2)
        stores.counters.count_requests("t1", "i1", now.replace(minute=59), 1, 0)
        stores.counters.count_requests("t1", "i2", now, 9, 9)

        assert stores.counters.request_buckets("t1", "i1", now - HOUR) == [(hour - HOUR, 3, 1), (hour, 3, 2)]
        assert stores.counters.request_buckets("t2", "i1", now - HOUR) == []

    def test_failing_lists_only_the_integrations_and_hours_with_a_failure(self, stores: Stores) -> None:
        now = clock.now().replace(minute=10)
        hour = now.replace(minute=0)
        stores.counters.count_requests("t1", "ok", now, 5, 0)
        stores.counters.count_requests("t1", "bad", now - 3 * HOUR, 2, 2)
        stores.counters.count_requests("t1", "bad", now - HOUR, 4, 0)
        stores.counters.count_requests("t1", "bad", now, 4, 1)
        stores.counters.count_requests("t2", "old", now - 3 * HOUR, 1, 1)

        assert stores.counters.failing(now - 2 * HOUR) == {("t1", "bad"): [(hour, 4, 1)]}

    def test_a_mark_is_taken_once_per_hold(self, stores: Stores) -> None:
        now = clock.now()

        first = stores.counters.mark_once("warned#t1#i1", now, 12 * HOUR)
        again = stores.counters.mark_once("warned#t1#i1", now + 11 * HOUR, 12 * HOUR)
        other = stores.counters.mark_once("warned#t1#i2", now + HOUR, 12 * HOUR)
        later = stores.counters.mark_once("warned#t1#i1", now + 12 * HOUR, 12 * HOUR)

        assert (first, again, other, later) == (True, False, True, True)
