"""The headers that tell mail clients what a message is (RFC 3834, 2919, 8058) and the one-click unsubscribe link.

A link is ``<CONSOLE_URL>/unsubscribe/<token>``: the token is itsdangerous' URL-safe, timestamped serialisation of
``[tenant id, integration id, address]``, signed with the integration's own random key (so deleting the
integration voids its links, and no deploy secret is needed); it works ``UNSUBSCRIBE_LINK_DAYS`` after the mail.
itsdangerous is imported where a link is made or read, never on an API request's cold start.
"""

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import timedelta
from email.utils import formataddr
from html import escape
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.email.message import Content
from chalicelib.errors import Gone, NotFound
from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from itsdangerous import URLSafeTimedSerializer

# The link's place in the footer of every mail (base.html/base.txt): a stored delivery is shared by its recipients,
# so each one's link is put in at send time, in the last place only (event data cannot move it elsewhere).
FOOTER_LINK = "%%unsubscribe-link%%"
PATH = "/unsubscribe/"  # under the console's URL, like an emailed report's link
_SALT = "email-report unsubscribe v1"
NOT_VALID = "This unsubscribe link is not valid: check that it was copied whole from the email."
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,600}")
_NOT_ATOM = re.compile(r"[^A-Za-z0-9-]")


def _serializer(key: str) -> "URLSafeTimedSerializer":
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer  # only where links are made or read

    class _ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:  # the service's one clock, so tests move time
            return int(clock.now().timestamp())

    return URLSafeTimedSerializer(key, salt=_SALT, signer=_ClockSigner,
                                  signer_kwargs={"digest_method": hashlib.sha256})  # HMAC-SHA256, not SHA-1


def token(tenant_id: str, integration_id: str, address: str, key: str) -> str:
    """The signed token of ``address`` on that integration."""
    return str(_serializer(key).dumps([tenant_id, integration_id, address]))


def claims(value: str) -> tuple[str, str, str]:
    """What a token names — tenant id, integration id, address — *before* its signature is checked (the key is
    the integration's); :class:`NotFound` when it names nothing readable."""
    if _TOKEN.fullmatch(value):
        from itsdangerous import BadData

        try:
            payload: Any = _serializer("-").loads_unsafe(value)[1]
        except BadData:
            payload = None
        if isinstance(payload, list) and len(payload) == 3 and all(isinstance(part, str) and part
                                                                    for part in payload):
            return payload[0], payload[1], payload[2]
    raise NotFound(NOT_VALID)


def verify(value: str, key: str) -> None:
    """Nothing if ``value`` was signed with ``key`` within ``UNSUBSCRIBE_LINK_DAYS``; else :class:`NotFound`
    (tampered, or another key) or :class:`Gone` (expired)."""
    from itsdangerous import BadData, SignatureExpired

    max_age = timedelta(days=get_settings().unsubscribe_link_days).total_seconds()
    try:
        _serializer(key).loads(value, max_age=max_age)
    except SignatureExpired:
        raise Gone("This unsubscribe link has expired. Use the link in a more recent email from the same "
                   "integration, or ask the account's administrator to remove your address.") from None
    except BadData:
        raise NotFound(NOT_VALID) from None


def url(value: str) -> str:
    return get_settings().console_url.rstrip("/") + PATH + value


@dataclass(frozen=True)
class MailingList:
    """Where a message comes from, as mail clients see it: the tenant's integration (``None``: an unsaved draft
    under test) and its key (``None``: no unsubscribe link, as there is nothing to leave)."""

    tenant_id: str
    integration_id: str | None
    key: str | None

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
        """The message for ``address``: its footer's unsubscribe link (or no such line) and its headers."""
        link = self.link(address)
        html = _footer(content.html, escape(link) if link else None)
        return replace(content, html=html, text=_footer(content.text, link)), self.headers(link)


def _footer(body: str, link: str | None) -> str:
    """``body`` with the footer's link put in, or, without one, the footer's unsubscribe line left out."""
    before, mark, after = body.rpartition(FOOTER_LINK)
    if not mark:
        return body  # stored before footers had the link
    if link:
        return before + link + after
    end = after.find("\n")
    return before[:before.rfind("\n") + 1] + (after[end + 1:] if end >= 0 else "")
