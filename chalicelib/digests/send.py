"""The digest pass (every five minutes): each period that ended becomes one ``digest`` delivery of its integration,
through the same outbox and worker as every mail (retries, delivery log, failure ratio and auto-disable apply).

It reads only the periods that have entries and have ended (the reports table's sparse ``due`` index, one Query per
shard), so a quiet pass costs the same however many integrations exist. A period is mailed :data:`SETTLE` after its
end, longer than any Lambda that gathers entries runs, so none is still on its way. The delivery id is derived
from (integration, period), so a repeated pass, or one that stopped between queuing and clearing, never sends
twice. Like any delivery: a disabled integration gets a ``skipped`` row (redrivable once enabled), a deleted one
nothing; an integration switched back to instant still gets the digest of the period it had begun.
"""

from datetime import datetime, timedelta
from typing import cast

from chalicelib import clock
from chalicelib.aws import digests_repo, due_index, integrations_repo, tenants_repo
from chalicelib.aws.digests_repo import Due
from chalicelib.delivery import outbox
from chalicelib.digests.periods import DigestPeriod
from chalicelib.email import digests as mail
from chalicelib.models.digests import DigestKind
from chalicelib.models.integrations import Integration
from chalicelib.models.tenants import Tenant
from chalicelib.observability import count, logger

SETTLE = timedelta(minutes=2)
PAGE = 1000  # periods one pass handles; the rest stay due for the next pass


def _deliver(due: Due, tenant: Tenant, integration: Integration) -> bool:
    """Queue the period's digest (or its ``skipped`` row); ``False`` when it has no entries."""
    entries = digests_repo.entries(due)
    if not entries:
        return False
    period = DigestPeriod(cast(DigestKind, due.frequency), tenant.timezone, datetime.fromisoformat(due.start),
                          datetime.fromisoformat(due.due_at))
    content = mail.render(tenant.name, tenant.timezone, due.frequency, period.label(), entries)
    skipped = None if integration.active else outbox.skipped_while_disabled(integration)
    outbox.enqueue(integration, content, period.end, f"digest:{due.integration_id}:{due.frequency}:{due.start}",
                   skipped=skipped, kind="digest", event_type=f"{due.frequency}_digest")
    return True


def run(now: datetime) -> dict[str, int]:
    """Mail every period that ended at least :data:`SETTLE` ago, up to :data:`PAGE` of them; clear each."""
    until, due = clock.shift(now, -SETTLE), []
    for shard in due_index.shards(digests_repo.PREFIX):
        if len(due) < PAGE:
            due += digests_repo.due_page(shard, until, PAGE - len(due))
    if not due:
        return {"due": 0, "sent": 0}
    tenants = {tenant.id: tenant for tenant in tenants_repo.get_many({item.tenant_id for item in due})}
    integrations = {(i.tenant_id, i.id): i for i in integrations_repo.get_many(
        list({(item.tenant_id, item.integration_id) for item in due}))}
    sent = 0
    for item in due:
        tenant, integration = tenants.get(item.tenant_id), integrations.get((item.tenant_id, item.integration_id))
        if tenant and integration:
            sent += _deliver(item, tenant, integration)
        else:  # deleted: nothing to send to, as for its pending deliveries
            logger.info("digest dropped: its integration or tenant was deleted",
                        extra={"tenant_id": item.tenant_id, "integration_id": item.integration_id})
        digests_repo.done(item)
    count("DigestsQueued", sent)
    logger.info("digests queued", extra={"due": len(due), "sent": sent})
    return {"due": len(due), "sent": sent}
