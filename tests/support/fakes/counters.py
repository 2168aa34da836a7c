"""In memory: the counter store (``chalicelib.stores.counters``)."""

from datetime import datetime, timedelta

from chalicelib.stores.counters import Bucket


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class FakeCounters:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str], dict[datetime, tuple[int, int]]] = {}
        self.marks: dict[str, datetime] = {}

    def count_requests(self, tenant_id: str, integration_id: str, at: datetime, total: int, failed: int) -> None:
        buckets = self.requests.setdefault((tenant_id, integration_id), {})
        old_total, old_failed = buckets.get(_hour(at), (0, 0))
        buckets[_hour(at)] = (old_total + total, old_failed + failed)

    def request_buckets(self, tenant_id: str, integration_id: str, since: datetime) -> list[Bucket]:
        buckets = self.requests.get((tenant_id, integration_id), {})
        return [(hour, *counts) for hour, counts in sorted(buckets.items()) if hour >= _hour(since)]

    def failing(self, since: datetime) -> dict[tuple[str, str], list[Bucket]]:
        found = {key: [(hour, total, failed) for hour, (total, failed) in sorted(buckets.items())
                       if hour >= _hour(since) and failed]
                 for key, buckets in self.requests.items()}
        return {key: buckets for key, buckets in found.items() if buckets}

    def mark_once(self, key: str, at: datetime, hold: timedelta) -> bool:
        if key in self.marks and self.marks[key] > at:
            return False
        self.marks[key] = at + hold
        return True
