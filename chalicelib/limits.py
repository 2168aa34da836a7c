"""Fixed-window rate limits on the atomic counters: the one limiter behind Test integration and previews."""

import math
from datetime import datetime, timedelta

from chalicelib import clock
from chalicelib.aws import counters_repo
from chalicelib.errors import RateLimited


def enforce(key: str, limit: int, window_seconds: int, what: str) -> None:
    """Count one use of ``key``; past ``limit`` uses in the current window → 429 with ``Retry-After``."""
    now = clock.now()
    start = datetime.fromtimestamp(int(now.timestamp()) // window_seconds * window_seconds, tz=now.tzinfo)
    if counters_repo.hit(key, start, window_seconds) > limit:
        retry_after = max(1, math.ceil((start + timedelta(seconds=window_seconds) - now).total_seconds()))
        raise RateLimited(f"at most {limit} {what} per {window_seconds // 60} minutes; try again in {retry_after} s",
                          retry_after)
