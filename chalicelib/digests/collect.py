"""Gather instead of send: a notification for an integration that takes a digest becomes an entry of its current
period (the digest pass mails the period once it ends) instead of a delivery.

Gathered: instant notifications (system, vulnerability, scope) and trigger alerts; during an integration's quiet
hours every one but high-risk mail, into the night's quiet digest whatever its frequency (:mod:`quiet`). Never
gathered: reports and Test integration (they do not come this way), notices about integrations themselves
(``integration.*``: disabled, deleted, failing, a recipient unsubscribed; rare, and possibly the last word an
integration gets), the notice an integration gets about itself, and the skipped row of a disabled integration (it
stays redrivable in the log).

The period is the one of the moment of gathering, not of the event: a period's entries are all written before it
ends, so the pass, which waits :data:`chalicelib.digests.send.SETTLE` past the end, never misses one.
"""

from datetime import datetime

from chalicelib import clock
from chalicelib.aws import digests_repo
from chalicelib.aws.digests_repo import Slot
from chalicelib.delivery.outbox import Target
from chalicelib.digests import quiet
from chalicelib.digests.periods import period_containing
from chalicelib.email.message import Content
from chalicelib.models.digests import DigestEntry
from chalicelib.observability import count


def _slot(target: Target, timezone: str, content: Content, event_type: str, now: datetime) -> Slot | None:
    """Where ``target``'s copy goes instead of a delivery: its quiet night (:func:`quiet.held`), else the digest
    period it takes; ``None``: deliver now."""
    if target.skipped is not None or target.farewell or event_type.startswith(quiet.ALWAYS_INSTANT):
        return None
    integration = target.integration
    held = quiet.held(integration.quiet_hours, timezone, now, content.severity, event_type)
    if held is not None:
        return Slot(integration.id, "quiet", *held)
    if integration.notifications == "instant":
        return None
    period = period_containing(integration.notifications, timezone, now)
    return Slot(integration.id, integration.notifications, period.start, period.end)


def divert(tenant_id: str, timezone: str, targets: list[Target], content: Content, source_id: str,
           group: str, event_type: str, at: datetime) -> list[Target]:
    """Store an entry for each target that takes a digest or holds the mail for its quiet hours (once per
    ``source_id``); return the targets to deliver now. Periods and nights are those of the tenant's ``timezone``."""
    now = clock.now()
    slots = {target.integration.id: _slot(target, timezone, content, event_type, now) for target in targets}
    gathering = [slot for slot in slots.values() if slot is not None]
    if not gathering:
        return targets
    entry = DigestEntry(source_id=source_id, group=group, headline=content.summary or content.subject, at=at)
    added = digests_repo.collect(tenant_id, gathering, entry)
    if added:
        count("DigestEntries", added)
    return [target for target in targets if slots[target.integration.id] is None]
