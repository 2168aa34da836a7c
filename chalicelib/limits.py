"""Rolling-window rate limits: the one limiter behind Test integration, report previews, console sign-in and
one-click unsubscribe.

Each limited key keeps a *sliding log*: one item holding the times of its uses in the last window. A use
reads the logs of every limit it falls under (e.g. the integration's and the tenant's), refuses if any is
full, else writes every log back with the new time in one transaction conditioned on each log's version.
A concurrent use that wrote first makes the condition fail and this one re-reads, so no window ever holds
more than its limit however many requests race, and a use counts against all its limits or none (a use
refused by the tenant's limit does not spend the integration's). The window rolls: a use is forgotten
exactly ``window`` seconds after it happened, never at a clock boundary. Sub-window counters would cost
less per use but only approximate a rolling window; the limits here are small (a log holds at most a
few dozen times), so the exact log is the cheaper thing to reason about.
"""

import hashlib
import math
from typing import Any, Literal, NamedTuple

from chalicelib import clock
from chalicelib.aws import counters_repo
from chalicelib.errors import RateLimited
from chalicelib.settings import get_settings


class Limit(NamedTuple):
    """At most ``limit`` uses of ``key`` in any ``window_seconds``; ``what`` names them in the 429."""

    key: str
    limit: int
    window_seconds: int
    what: str

    def refusal(self, times: list[float], now: float) -> RateLimited:
        """The 429 for a full log: try again when the oldest use that keeps it full leaves the window."""
        retry_after = max(1, math.ceil(times[-self.limit] + self.window_seconds - now))
        return RateLimited(f"at most {self.limit} {self.what} per {self.window_seconds // 60} minutes; "
                           f"try again in {retry_after} s", retry_after)


def _read(limits: tuple[Limit, ...], now: float) -> tuple[dict[str, Any], dict[str, list[float]]]:
    """The stored logs and, per key, the times still in its window; the 429 of a full one."""
    logs = counters_repo.read_logs([limit.key for limit in limits])
    recent = {limit.key: sorted(t for t in logs[limit.key][1] if t > now - limit.window_seconds) for limit in limits}
    refusals = [limit.refusal(recent[limit.key], now) for limit in limits if len(recent[limit.key]) >= limit.limit]
    if refusals:  # the limit that frees last: retrying before then would be refused again
        raise max(refusals, key=lambda refusal: refusal.retry_after)
    return logs, recent


def check(*limits: Limit) -> None:
    """Raise the 429 of a full limit, counting nothing: a door that counts only failures asks before it tries."""
    _read(limits, clock.now().timestamp())


def enforce(*limits: Limit) -> None:
    """Count one use under every limit, or raise the 429 of a full one (counting nothing)."""
    # Every lost race means another use was counted, so a few tries more than the limits allow suffice.
    for _ in range(sum(limit.limit for limit in limits) + 2):
        now = clock.now().timestamp()
        logs, recent = _read(limits, now)
        if counters_repo.write_logs([
            counters_repo.Log(limit.key, logs[limit.key][0], [*recent[limit.key], now], now + limit.window_seconds)
            for limit in limits
        ]):
            return
    raise RateLimited("too many requests at the same moment; try again in a second", 1)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def door(name: Literal["sign-in", "unsubscribe", "snooze"], client: str, token: str) -> tuple[Limit, Limit]:
    """The limits of a public door for ``client`` (its IP address) trying ``token`` (what it names: a token id, a
    link): per client, one address cannot try many tokens; per token, many addresses cannot hammer one. Keys are
    digests, so a log names neither."""
    settings = get_settings()
    per_token, per_client = ((settings.sign_in_rate_limit, settings.sign_in_client_rate_limit) if name == "sign-in"
                             else (settings.unsubscribe_rate_limit, settings.unsubscribe_client_rate_limit))
    window = settings.door_rate_window_seconds
    return (Limit(f"{name}#client#{_digest(client)}", per_client, window, f"{name} attempts from one address"),
            Limit(f"{name}#token#{_digest(token)}", per_token, window, f"{name} attempts with one token"))
