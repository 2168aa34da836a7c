"""Public pages of a mail's one-click unsubscribe link (RFC 8058): no sign-in, no cookie, no CSRF token.

``GET`` only shows what the link would do (link scanners prefetch GETs); ``POST`` (the mail client's one-click
request, or the page's button) does it. The body is not read: the signed link is the authority.
"""

from chalice import Blueprint, Response

from chalicelib.console import web
from chalicelib.wiring import stores

bp = Blueprint(__name__)
PATH = "/console/unsubscribe/{token}"
# RFC 8058 asks for a form body; a client that sends none gets Chalice's stand-in, application/json
_BODIES = [web.FORM, "multipart/form-data", "application/json", "text/plain"]


def _answer(acting: bool, token: str) -> Response:
    from chalicelib.integrations import unsubscribe  # the event pipeline and mail headers: not on every cold start

    return web.mail_link_page(bp, "unsubscribe", token, acting, lambda t: unsubscribe.follow(stores(), t),
                              lambda t: unsubscribe.leave(stores(), t), "unsubscribe.html", "changed")


@web.public(bp, PATH)
def unsubscribe_page(token: str) -> Response:
    return _answer(False, token)


@web.public(bp, PATH, "POST", _BODIES)
def unsubscribe_now(token: str) -> Response:
    return _answer(True, token)
