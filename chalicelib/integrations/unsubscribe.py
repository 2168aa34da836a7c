"""One-click unsubscribe (RFC 8058): what a mail's link names, and leaving the integration through it.

A link is checked against the integration it names (its key signs it): a link that is malformed, tampered with,
signed with another key, or names a deleted tenant or integration is :class:`NotFound`; an expired one
:class:`Gone`. Leaving removes the address at once and tells the tenant's ``system`` subscribers.
"""

from typing import NamedTuple

from chalicelib.email import list_headers
from chalicelib.errors import NotFound
from chalicelib.events import ingest
from chalicelib.integrations import service
from chalicelib.models.integrations import Integration
from chalicelib.models.tenants import Tenant
from chalicelib.observability import count, logger
from chalicelib.stores import Stores

_NOT_ON_IT = "This address does not get mail from this integration any more."


class Link(NamedTuple):
    """An authentic link: who leaves which integration of which tenant, and whether they already have."""

    tenant: Tenant
    integration: Integration
    address: str
    left: bool


def follow(stores: Stores, token: str) -> Link:
    """What ``token`` names, checked; changes nothing (a GET, a link scanner's prefetch)."""
    tenant_id, integration_id, address = list_headers.claims(token)
    tenant = stores.tenants.get(tenant_id)
    integration = stores.integrations.get(tenant_id, integration_id) if tenant else None
    if tenant is None or integration is None or not integration.unsubscribe_key:
        raise NotFound(list_headers.NOT_VALID)  # a deleted integration's link says what any invalid link says
    list_headers.verify(token, integration.unsubscribe_key)
    wanted = address.casefold()
    if any(a.casefold() == wanted for a in integration.emails):
        return Link(tenant, integration, address, left=False)
    if any(entry.address.casefold() == wanted for entry in integration.unsubscribed):
        return Link(tenant, integration, address, left=True)
    raise NotFound(_NOT_ON_IT)


def leave(stores: Stores, token: str) -> tuple[Link, bool]:
    """Take the link's address off its integration and notify ``system`` subscribers; ``False``: it had already
    left (repeating the POST changes nothing)."""
    link = follow(stores, token)
    if link.left:
        return link, False
    integration, changed = service.remove_recipient(stores, link.tenant.id, link.integration.id, link.address)
    if changed:
        count("RecipientsUnsubscribed")
        logger.info("recipient unsubscribed", extra={"tenant_id": link.tenant.id, "integration_id": integration.id})
        ingest.emit(stores, link.tenant.id, "integration.recipient_unsubscribed",
                    {"integration_id": integration.id, "name": integration.name, "address": link.address,
                     "recipients_left": len(integration.emails)},
                    event_id=f"unsubscribed-{integration.id}-{integration.version}")
    return link._replace(integration=integration, left=True), changed
