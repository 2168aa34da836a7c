"""The headers that tell mail clients what a message is (RFC 3834, 2919, 8058) and the one-click unsubscribe link.

A link is ``<CONSOLE_URL>/unsubscribe/<token>``: the token (``email/signed_links.py``) names
``[tenant id, integration id, address]``, signed with the integration's own random key (so deleting the
integration voids its links, and no deploy secret is needed); it works ``UNSUBSCRIBE_LINK_DAYS`` after the mail.
A mail about a trigger or a vulnerability also carries snooze or mute links (``email/snooze_links.py``), put in
per recipient beside the unsubscribe link.
"""

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from email.utils import formataddr
from html import escape

from chalicelib.email import snooze_links
from chalicelib.email.message import Content
from chalicelib.email.signed_links import Signed, put_link
from chalicelib.settings import get_settings

# The link's place in the footer of every mail (base.html/base.txt): a stored delivery is shared by its recipients,
# so each one's link is put in at send time, in the last place only (event data cannot move it elsewhere).
FOOTER_LINK = "%%unsubscribe-link%%"
PATH = "/unsubscribe/"  # under the console's URL, like an emailed report's link
NOT_VALID = "This unsubscribe link is not valid: check that it was copied whole from the email."
_NOT_ATOM = re.compile(r"[^A-Za-z0-9-]")
_SIGNED = Signed("email-report unsubscribe v1", 3, NOT_VALID,
                 "This unsubscribe link has expired. Use the link in a more recent email from the same integration, "
                 "or ask the account's administrator to remove your address.")


def token(tenant_id: str, integration_id: str, address: str, key: str) -> str:
    """The signed token of ``address`` on that integration."""
    return _SIGNED.token([tenant_id, integration_id, address], key)


def claims(value: str) -> tuple[str, str, str]:
    """What a token names — tenant id, integration id, address — *before* its signature is checked (the key is
    the integration's); :class:`NotFound` when it names nothing readable."""
    tenant_id, integration_id, address = _SIGNED.claims(value)
    return tenant_id, integration_id, address


def verify(value: str, key: str) -> None:
    """Nothing if ``value`` was signed with ``key`` within ``UNSUBSCRIBE_LINK_DAYS``; else :class:`NotFound`
    (tampered, or another key) or :class:`Gone` (expired)."""
    _SIGNED.verify(value, key, timedelta(days=get_settings().unsubscribe_link_days))


def url(value: str) -> str:
    return get_settings().console_url.rstrip("/") + PATH + value


@dataclass(frozen=True)
class MailingList:
    """Where a message comes from, as mail clients see it: the tenant's integration (``None``: an unsaved draft
    under test), its key (``None``: no unsubscribe link, as there is nothing to leave) and what the mail is about
    (``None``: it has no snooze or mute links)."""

    tenant_id: str
    integration_id: str | None
    key: str | None
    about: str | None = None

    def link(self, address: str) -> str | None:
        """``address``'s one-click unsubscribe URL; ``None`` without a key."""
        if not (self.integration_id and self.key):
            return None
        return url(token(self.tenant_id, self.integration_id, address, self.key))

    def headers(self, link: str | None) -> dict[str, str]:
        """``List-Id`` always, ``List-Unsubscribe`` (+ one-click) when there is a ``link``."""
        settings = get_settings()
        domain = settings.sender_email.rpartition("@")[2]
        label = ".".join(_NOT_ATOM.sub("-", part) for part in (self.integration_id or "draft", self.tenant_id))
        headers = {"List-Id": formataddr((settings.product_name, f"{label}.{domain}"))}
        if link:
            headers |= {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        return headers

    def addressed(self, content: Content, address: str) -> tuple[Content, dict[str, str]]:
        """The message for ``address``: its footer's unsubscribe link (or no such line), its snooze or mute links
        (or none) and its headers."""
        link = self.link(address)
        snoozes: dict[str, str] = {}
        if self.integration_id and self.key and self.about:
            snoozes = {action: snooze_links.url(self.tenant_id, self.integration_id, address, action, self.about,
                                                content.subject, self.key)
                       for action in snooze_links.actions(self.about)}
        html, text = snooze_links.put_in(content.html, content.text, snoozes)
        html = put_link(html, FOOTER_LINK, escape(link) if link else None)
        return replace(content, html=html, text=put_link(text, FOOTER_LINK, link)), self.headers(link)
