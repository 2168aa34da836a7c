"""Public pages of a mail's one-click unsubscribe link (RFC 8058): no sign-in, no cookie, no CSRF token.

``GET`` only shows what the link would do (link scanners prefetch GETs); ``POST`` (the mail client's one-click
request, or the page's button) does it. The body is not read: the signed link is the authority.
"""

from chalice import Blueprint, Response

from chalicelib import limits
from chalicelib.console import web
from chalicelib.wiring import stores

bp = Blueprint(__name__)
PATH = "/console/unsubscribe/{token}"
# RFC 8058 asks for a form body; a client that sends none gets Chalice's stand-in, application/json
_BODIES = [web.FORM, "multipart/form-data", "application/json", "text/plain"]


def _answer(act: bool, token: str) -> Response:
    from chalicelib.integrations import unsubscribe  # the event pipeline and mail headers: not on every cold start

    if act:  # a POST acts, so it is counted: per link and per client address (limits.door)
        limits.enforce(*limits.door("unsubscribe", web.client_address(bp.current_request), token))
    link, changed = unsubscribe.leave(stores(), token) if act else (unsubscribe.follow(stores(), token), False)
    return web.render_public("unsubscribe.html", link=link, changed=changed, token=token)


@web.public(bp, PATH)
def unsubscribe_page(token: str) -> Response:
    return _answer(False, token)


@web.public(bp, PATH, "POST", _BODIES)
def unsubscribe_now(token: str) -> Response:
    return _answer(True, token)
