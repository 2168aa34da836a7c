"""Snoozes and mutes: made from a mail's signed link (for its recipient) or by an admin in the console (for the whole
integration), listed, and lifted.

A link is checked as the unsubscribe link is (``email/signed_links.py``): malformed, tampered with, signed with
another key or naming a deleted tenant or integration → :class:`NotFound`; expired or already used →
:class:`Gone`. Following it (GET) changes nothing; acting (POST) records the snooze and marks the link used in one
conditional write, so it acts once.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from chalicelib import clock
from chalicelib.email import snooze_links
from chalicelib.errors import Gone, NotFound
from chalicelib.models.common import PageQuery
from chalicelib.models.integrations import Integration
from chalicelib.models.snoozes import LENGTHS, Snooze, SnoozePage, about_trigger
from chalicelib.models.tenants import Tenant
from chalicelib.observability import count, logger
from chalicelib.snoozes import rules
from chalicelib.stores import Stores

USED = "This link was already used. Each snooze or mute link acts once; see the account's snoozes in the console."
NOT_ON_IT = "This address does not get mail from this integration any more."
NOT_FOUND = "no such snooze"


class Link(NamedTuple):
    """An authentic, unused link: who asks to hold back what, of which integration, and until when if now."""

    tenant: Tenant
    integration: Integration
    address: str
    action: str
    about: str
    label: str
    link_id: str

    @property
    def length(self) -> str:
        """How long acting holds mail back, in words: ``for 1 hour``, ``until its status changes``."""
        return f"for {LENGTHS[self.action].words}" if self.action in LENGTHS else "until its status changes"

    def until(self, now: datetime) -> datetime | None:
        length = snooze_links.ACTIONS[self.action]
        return clock.shift(now, length) if length else None


def follow(stores: Stores, token: str) -> Link:
    """What ``token`` asks, checked; changes nothing (a GET, a link scanner's prefetch)."""
    tenant_id, integration_id, address, action, about, label, link_id = snooze_links.SIGNED.claims(token)
    tenant = stores.tenants.get(tenant_id)
    integration = stores.integrations.get(tenant_id, integration_id) if tenant else None
    if tenant is None or integration is None or not integration.unsubscribe_key:
        raise NotFound(snooze_links.NOT_VALID)
    snooze_links.SIGNED.verify(token, integration.unsubscribe_key, timedelta(days=snooze_links.LINK_DAYS))
    if action not in snooze_links.actions(about):
        raise NotFound(snooze_links.NOT_VALID)
    if all(a.casefold() != address.casefold() for a in integration.emails):
        raise NotFound(NOT_ON_IT)
    if stores.snoozes.used(tenant_id, link_id):
        raise Gone(USED)
    return Link(tenant, integration, address, action, about, label, link_id)


def act(stores: Stores, token: str) -> tuple[Link, Snooze]:
    """Hold back mail about the link's subject from its address (the POST); :class:`Gone` if it was used."""
    link = follow(stores, token)
    now = clock.now()
    snooze = Snooze(id=rules.snooze_id(link.integration.id, link.about, link.address), tenant_id=link.tenant.id,
                    integration_id=link.integration.id, kind="mute" if link.action == "mute" else "snooze",
                    about=link.about, label=link.label, address=link.address, until=link.until(now),
                    created_by=link.address, created_at=now)
    if not stores.snoozes.record(snooze, link.link_id, clock.shift(now, timedelta(days=snooze_links.LINK_DAYS))):
        raise Gone(USED)
    _told(snooze)
    return link, snooze


def snooze_integration(stores: Stores, tenant_id: str, integration_id: str, trigger_id: str, trigger_name: str,
                       duration: str, by: str) -> Snooze:
    """An admin's snooze of a trigger's alerts for every recipient of an integration (the console)."""
    integration = stores.integrations.get(tenant_id, integration_id)
    if integration is None:
        raise NotFound(f"no integration {integration_id!r}")
    about, now = about_trigger(trigger_id), clock.now()
    snooze = Snooze(id=rules.snooze_id(integration_id, about, None), tenant_id=tenant_id,
                    integration_id=integration_id, kind="snooze", about=about, label=f"Trigger “{trigger_name}”",
                    until=clock.shift(now, LENGTHS[duration].delta), created_by=by, created_at=now)
    stores.snoozes.record(snooze)
    _told(snooze)
    return snooze


def _told(snooze: Snooze) -> None:
    count("SnoozesMade" if snooze.kind == "snooze" else "MutesMade")
    logger.info(f"{snooze.kind} made", extra={"tenant_id": snooze.tenant_id, "integration_id": snooze.integration_id,
                                              "snooze_id": snooze.id, "until": snooze.until})


def page(stores: Stores, tenant_id: str, query: PageQuery) -> SnoozePage:
    items, next_cursor = stores.snoozes.page(tenant_id, query.limit, query.cursor)
    return SnoozePage(items=items, next_cursor=next_cursor)


def get(stores: Stores, tenant_id: str, snooze_id: str) -> Snooze:
    found = stores.snoozes.get(tenant_id, snooze_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def lift(stores: Stores, tenant_id: str, snooze_id: str) -> None:
    """End a snooze or mute now (its mail flows again; what it held back can be redriven); 404 if there is none."""
    if not stores.snoozes.delete(tenant_id, snooze_id):
        raise NotFound(NOT_FOUND)
    count("SnoozesLifted")

