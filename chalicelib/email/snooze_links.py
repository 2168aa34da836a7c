"""The snooze and mute links of a mail about a trigger or a vulnerability (docs/snoozes.md).

A trigger's alert carries "Snooze 1 hour" and "Snooze 1 day", a vulnerability's detection or reopening "Mute this
vulnerability". Like the unsubscribe link, each is ``<CONSOLE_URL>/snooze/<token>``, made for its recipient at send
time and signed with the integration's key (``email/signed_links.py``, a salt of its own): the token names
``[tenant id, integration id, address, action, about, label, link id]``. ``about`` is what the link acts on
(``trigger:<id>``, or ``vulnerability:<id>@<status>:<since when>``: a mute lasts while that status does), ``label``
the mail's subject, and the random ``link id`` makes each link single-use. A link works ``LINK_DAYS`` after the mail.
"""

import secrets
from datetime import timedelta
from html import escape

from chalicelib.email.signed_links import Signed, put_link
from chalicelib.models.snoozes import LENGTHS
from chalicelib.settings import get_settings

LINK_DAYS = 7  # a snooze is about a burst happening now: a week-old mail's link has no business acting
PATH = "/snooze/"
ACTIONS: dict[str, timedelta | None] = {"1h": LENGTHS["1h"].delta, "1d": LENGTHS["1d"].delta, "mute": None}
# The places of the links in the footer of base.html/base.txt (rendered with ``snooze``): the last of each only.
MARKS = {"1h": "%%snooze-1h-link%%", "1d": "%%snooze-1d-link%%", "mute": "%%mute-link%%"}
NOT_VALID = "This snooze link is not valid: check that it was copied whole from the email."
SIGNED = Signed("email-report snooze v1", 7, NOT_VALID,
                f"This link has expired: snooze and mute links work for {LINK_DAYS} days after the email. Use the "
                "link in a more recent email, or ask the account's administrator to snooze in the console.")
_LABEL_LIMIT = 120


def actions(about: str | None) -> tuple[str, ...]:
    """The links a mail about ``about`` carries: snoozes for a trigger's alerts, a mute for a vulnerability."""
    if about and about.startswith("trigger:"):
        return "1h", "1d"
    if about and about.startswith("vulnerability:"):
        return ("mute",)
    return ()


def url(tenant_id: str, integration_id: str, address: str, action: str, about: str, label: str, key: str) -> str:
    parts = [tenant_id, integration_id, address, action, about, label[:_LABEL_LIMIT] or about,
             secrets.token_urlsafe(12)]
    return get_settings().console_url.rstrip("/") + PATH + SIGNED.token(parts, key)


def put_in(html: str, text: str, links: dict[str, str]) -> tuple[str, str]:
    """The bodies with each mark's link put in; a mark without a link loses its line."""
    for action, mark in MARKS.items():
        link = links.get(action)
        html = put_link(html, mark, escape(link) if link else None)
        text = put_link(text, mark, link)
    return html, text
