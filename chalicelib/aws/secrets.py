"""Secrets Manager: a secret's current value, cached for a short while so rotation needs no redeploy.

Powertools' parameters utility caches on the wall clock, which tests cannot move; the service's rule is one
injected clock (:mod:`chalicelib.clock`), so the cache here is the dozen lines it takes.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from chalicelib import clock
from chalicelib.aws.clients import client


class _Cached(NamedTuple):
    value: str
    until: datetime


_cache: dict[str, _Cached] = {}


def current(secret_id: str, max_age_seconds: float) -> str:
    """The secret's ``AWSCURRENT`` string, read again once ``max_age_seconds`` have passed since the last read."""
    now = clock.now()
    cached = _cache.get(secret_id)
    if cached is None or now >= cached.until:
        value = client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        cached = _cache[secret_id] = _Cached(value, clock.shift(now, timedelta(seconds=max_age_seconds)))
    return cached.value

