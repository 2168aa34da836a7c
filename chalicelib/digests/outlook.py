"""What an integration's digests hold now: when the next one goes out and how many notifications wait for it
(the console shows it per digest integration)."""

from dataclasses import dataclass
from datetime import datetime

from chalicelib import clock
from chalicelib.aws import digests_repo
from chalicelib.digests.periods import DigestPeriod, period_containing
from chalicelib.digests.send import SETTLE
from chalicelib.models.integrations import Integration


@dataclass(frozen=True)
class Outlook:
    """``waiting`` notifications gathered and not mailed yet; ``next_at``: when the digest of the oldest of their
    periods goes out (its end plus the settling time; the pass runs every five minutes), ``None`` when none wait;
    ``current``: the hourly or daily period now gathering."""

    waiting: int
    next_at: datetime | None
    current: DigestPeriod | None


def outlook(integration: Integration, timezone: str, now: datetime) -> Outlook | None:
    """``None`` for an integration that takes its notifications at once and keeps no quiet hours (one that does
    has no ``current`` period: only what its quiet hours hold waits)."""
    if integration.notifications == "instant" and integration.quiet_hours is None:
        return None
    pending = {due: n for due, n in digests_repo.waiting(integration.tenant_id, integration.id).items() if n}
    ends = [datetime.fromisoformat(due.due_at) for due in pending]
    current = None if integration.notifications == "instant" else \
        period_containing(integration.notifications, timezone, now)
    return Outlook(sum(pending.values()), clock.shift(min(ends), SETTLE) if ends else None, current)
