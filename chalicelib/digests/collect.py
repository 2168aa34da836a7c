"""Gather instead of send: a notification for an integration that takes a digest becomes an entry of its current
period (the digest pass mails the period once it ends) instead of a delivery.

Gathered: instant notifications (system, vulnerability, scope) and trigger alerts. Never gathered: reports and
Test integration (they do not come this way), notices about integrations themselves (``integration.*``: disabled,
deleted, failing, a recipient unsubscribed; rare, and possibly the last word an integration gets), the notice an
integration gets about itself, and the skipped row of a disabled integration (it stays redrivable in the log).

The period is the one of the moment of gathering, not of the event: a period's entries are all written before it
ends, so the pass, which waits :data:`chalicelib.digests.send.SETTLE` past the end, never misses one.
"""

from datetime import datetime

from chalicelib import clock
from chalicelib.aws import digests_repo
from chalicelib.delivery.outbox import Target
from chalicelib.digests.periods import period_containing
from chalicelib.email.message import Content
from chalicelib.models.digests import DigestEntry
from chalicelib.observability import count

ALWAYS_INSTANT = "integration."  # event types about the integrations themselves


def _gathers(target: Target) -> bool:
    return target.integration.notifications != "instant" and target.skipped is None and not target.farewell


def divert(tenant_id: str, timezone: str, targets: list[Target], content: Content, source_id: str,
           group: str, event_type: str, at: datetime) -> list[Target]:
    """Store an entry for each target that takes a digest (once per ``source_id``); return the targets to deliver
    now. Periods are those of the tenant's ``timezone``."""
    gathering = [] if event_type.startswith(ALWAYS_INSTANT) else [target for target in targets if _gathers(target)]
    if not gathering:
        return targets
    now = clock.now()
    slots = []
    for target in gathering:
        frequency = target.integration.notifications
        period = period_containing(frequency, timezone, now)
        slots.append(digests_repo.Slot(target.integration.id, frequency, period.start, period.end))
    entry = DigestEntry(source_id=source_id, group=group, headline=content.summary or content.subject, at=at)
    added = digests_repo.collect(tenant_id, slots, entry)
    if added:
        count("DigestEntries", added)
    return [target for target in targets if not _gathers(target)]
