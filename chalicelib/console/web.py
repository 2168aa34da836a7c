"""The console's request plumbing: the session cookie, CSRF tokens, form bodies, pages and redirects.

The session cookie (HttpOnly, SameSite=Strict, Secure unless ``CONSOLE_SECURE_COOKIE=false``) holds a
revocable session id, never the API token (``auth.open_session``): a console user has exactly the rights of
the token signed in with; signing out, revoking the token or deleting the tenant ends the session, and a
copied cookie with it. A form's CSRF token is an HMAC of the session id: an attacker without the cookie
cannot compute it, and nothing more needs to be stored.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, quote, unquote, urlencode, urlparse

from chalice import Blueprint, Response

from chalicelib import auth, clock, limits
from chalicelib.auth import Caller
from chalicelib.errors import AppError, BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized
from chalicelib.events import words
from chalicelib.models.tenants import Tenant
from chalicelib.observability import logger
from chalicelib.settings import get_settings
from chalicelib.tenants import service as tenant_service
from chalicelib.wiring import stores

if TYPE_CHECKING:
    from jinja2 import Environment

Handler = Callable[..., Response]

FORM = "application/x-www-form-urlencoded"
SESSION_COOKIE = "er_session"
SIGN_IN_COOKIE = "er_sign_in"
_CSRF_LABEL = b"email-report console csrf v1"
_PATH_PARAM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-")
_ADDRESS = re.compile(r"[^\s@]{1,64}@[^\s@]{1,255}")
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def base_path() -> str:
    """Where the console lives: the path of ``CONSOLE_URL`` (behind an API Gateway stage, e.g. ``/v1/console``)."""
    return urlparse(get_settings().console_url).path.rstrip("/") or "/console"


def url(path: str = "", **query: Any) -> str:
    """A console URL: ``url("/integrations", cursor=...)``; ``None`` query values are left out."""
    params = {key: value for key, value in query.items() if value not in (None, "")}
    return base_path() + path + (f"?{urlencode(params)}" if params else "")


def path_part(value: str) -> str:
    """``value`` as one URL path segment: an address's ``@``, ``+`` and ``/`` percent-encoded."""
    return quote(value, safe="")


def csrf_token(session_id: str) -> str:
    return hmac.new(session_id.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


def _cookie(name: str, value: str, max_age: int) -> str:
    secure = "; Secure" if get_settings().console_secure_cookie else ""
    return f"{name}={value}; Path={base_path()}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"


def session_seconds() -> int:
    return get_settings().console_session_hours * 3600


def session_cookie(session_id: str) -> str:
    return _cookie(SESSION_COOKIE, session_id, session_seconds())


def cleared_cookie(name: str) -> str:
    return _cookie(name, "", 0)


def sign_in_cookie(nonce: str) -> str:
    return _cookie(SIGN_IN_COOKIE, nonce, 3600)


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def cookies(request: Any) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie") or "")
    except CookieError:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def form_body(request: Any) -> dict[str, list[str]]:
    """The urlencoded body as lists of values (checkbox groups repeat a name)."""
    raw = request.raw_body or b""
    if len(raw) > get_settings().max_body_bytes:
        raise PayloadTooLarge(f"the form is larger than {get_settings().max_body_bytes} bytes")
    try:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("the form could not be read") from None


def client_address(request: Any) -> str:
    """The caller's IP address as API Gateway saw the connection (never a header the client could write)."""
    return str((request.context.get("identity") or {}).get("sourceIp") or "unknown")


def query(request: Any) -> dict[str, str]:
    return dict(request.query_params or {})


def same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def field(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


# --- rendering -------------------------------------------------------------------------------------------


def _local_time(context: Any, moment: Any) -> str:
    """A time in the tenant's zone, e.g. ``25 Nov 2026, 11:00 CET``."""
    if moment is None:
        return "—"
    zone = context.get("tenant").timezone if context.get("tenant") else "UTC"
    return clock.local(moment, zone).strftime("%d %b %Y, %H:%M %Z")


def number(value: float) -> str:
    """``1,234`` — whole numbers with thousands separators, others with one decimal."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@lru_cache(maxsize=1)
def environment() -> "Environment":
    """Built on first use: the API's cold start loads no template engine."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["local_time"] = pass_context(_local_time)
    env.filters["path_part"] = path_part
    env.filters["number"] = number
    env.filters["event_words"] = words.event
    env.filters["subscriptions"] = words.subscriptions
    env.globals["url"] = url
    return env


def html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS, **(headers or {})})


def redirect(location: str, headers: dict[str, str] | None = None) -> Response:
    return Response(body="", status_code=303, headers={"Location": location, **SECURITY_HEADERS, **(headers or {})})


# --- the signed-in user --------------------------------------------------------------------------------


class Session(NamedTuple):
    """Who uses the console: the token's caller, its tenant and the CSRF token for its forms."""

    caller: Caller
    tenant: Tenant
    csrf: str
    outbox: bool
    triggers: bool

    @property
    def tenant_id(self) -> str:
        return self.caller.tenant_id

    @property
    def can_edit(self) -> bool:
        return self.caller.role == "admin"

    def render(self, template: str, status_code: int = 200, **context: Any) -> Response:
        page = environment().get_template(template).render(
            session=self, tenant=self.tenant, csrf=self.csrf, can_edit=self.can_edit, outbox=self.outbox,
            triggers_pages=self.triggers, **context)
        return html(page, status_code)


def render_public(template: str, status_code: int = 200, headers: dict[str, str] | None = None,
                  **context: Any) -> Response:
    """A page for someone not signed in (sign-in, errors before a session exists)."""
    page = environment().get_template(template).render(session=None, tenant=None, **context)
    return html(page, status_code, headers)


def mail_link_page(bp: Blueprint, door: str, token: str, acting: bool, follow: Callable[[str], Any],
                   act: Callable[[str], tuple[Any, Any]], template: str, done_as: str) -> Response:
    """The page of a mail's signed link (unsubscribe, snooze, mute): ``GET`` shows what it would do and changes
    nothing (mail scanners fetch links); ``POST`` acts, counted per link and per client address (limits.door).
    The template gets ``link``, ``token`` and what acting returned as ``done_as`` (``None`` on a GET)."""
    if acting:
        limits.enforce(*limits.door(door, client_address(bp.current_request), token))
    link, done = act(token) if acting else (follow(token), None)
    return render_public(template, link=link, token=token, **{done_as: done})


def public_error(error: AppError) -> Response:
    """The error page for someone not signed in, with the error's status and headers (a 429's ``Retry-After``)."""
    return render_public("error.html", error.status, error.headers(), error=error, code=error.status)


def failure_page(render: Callable[..., Response] = render_public) -> Response:
    """The 500 page of an unexpected failure (logged by the caller)."""
    failure = AppError("Something went wrong on our side; it was logged. Try again later.")
    return render("error.html", 500, error=failure, code=500)


def headless(request: Any, response: Response) -> Response:
    """A HEAD answers as GET would, without the body (RFC 9110 §9.3.2): link checkers and mail scanners use it."""
    if request.method != "HEAD":
        return response
    return Response(body="", status_code=response.status_code, headers=response.headers)


def public(bp: Blueprint, path: str, method: str = "GET",
           content_types: list[str] | None = None) -> Callable[[Handler], Handler]:
    """Declare a page for someone not signed in (a mail's links, sign-in): a GET page answers HEAD too; an
    :class:`AppError` becomes its HTML error page and anything else a logged HTML 500 page, never the API's JSON."""
    def register(handler: Handler) -> Handler:
        def view(**params: str) -> Response:
            request = bp.current_request
            try:
                response = handler(**params)
            except AppError as error:
                response = public_error(error)
            except Exception:
                logger.exception("public page failed", extra={"route": f"{request.method} {path}"})
                response = failure_page()
            return headless(request, response)

        view.__name__ = f"public_{handler.__name__}"
        options = {"content_types": content_types} if content_types else {}
        bp.route(path, methods=[method, "HEAD"] if method == "GET" else [method], **options)(view)
        return handler

    return register


def html_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """The answers Chalice gives console requests itself (405, 415, ...) as HTML pages with the same status and
    headers: a person's browser, a mail client or a link scanner gets a page, never the API's JSON."""
    response = get_response(event)
    body = response.body
    if not str(getattr(event, "path", "")).startswith("/console") or not (
            isinstance(body, dict) and set(body) == {"Code", "Message"}):
        return response
    error = AppError(str(body["Message"]))
    page = render_public("error.html", response.status_code, error=error, code=response.status_code)
    kept = {key: value for key, value in response.headers.items() if key.lower() != "content-type"}
    return headless(event, Response(page.body, status_code=page.status_code, headers={**kept, **page.headers}))


def _session(request: Any, routes: Any) -> Session:
    """The signed-in user; ``routes`` tells which optional pages (local outbox, triggers) exist."""
    session_id = cookies(request).get(SESSION_COOKIE, "")
    caller = auth.authenticate_session(session_id)
    caller.require("viewer")
    return Session(caller, tenant_service.get_tenant(stores(), caller), csrf_token(session_id),
                   "/local/outbox" in routes, "/console/triggers" in routes)


def _valid_path_param(value: str, address: bool) -> bool:
    """An id: a few safe characters. An address: percent-encoded or not, one ``@`` and no spaces or controls."""
    if address:
        decoded = unquote(value)
        return bool(_ADDRESS.fullmatch(decoded)) and decoded.isprintable()
    return bool(value) and not set(value) - _PATH_PARAM_CHARS


def _check_csrf(session: Session, form: dict[str, list[str]]) -> None:
    if not same(field(form, "csrf"), session.csrf):
        raise Forbidden("the form has expired or did not come from this console; reload the page and try again")


def page(bp: Blueprint, method: str, path: str, *, admin: bool = False,
         addresses: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Declare a console page: the handler gets the :class:`Session` (and, for POST, the checked form).

    Not signed in → the sign-in page; POST without a valid CSRF token or, with ``admin``, from a
    viewer → 403; an :class:`AppError` → an error page with its status; anything else → 500 page.
    Path parameters are ids unless named in ``addresses``: those hold an email address, passed on as
    it came (the suppression service decodes it, as for the API)."""
    def register(handler: Handler) -> Handler:
        def view(**params: str) -> Response:
            request = bp.current_request
            try:
                if not all(_valid_path_param(value, name in addresses) for name, value in params.items()):
                    raise NotFound("no such page")
                session = _session(request, bp.current_app.routes)
            except Unauthorized:
                return redirect(url("/sign-in"), {"Set-Cookie": cleared_cookie(SESSION_COOKIE)})
            except Forbidden:
                return render_public("sign_in.html", 403, nonce="", error="This token cannot use the console.")
            except AppError as error:
                return public_error(error)
            try:
                if method == "POST":
                    form = form_body(request)
                    _check_csrf(session, form)
                    if admin:
                        session.caller.require("admin")
                    return handler(session, form, **params)
                if admin:
                    session.caller.require("admin")
                return handler(session, **params)
            except AppError as error:
                shown = session.render("error.html", error.status, error=error, code=error.status)
                shown.headers.update(error.headers())
                return shown
            except Exception:
                logger.exception("console page failed", extra={"route": f"{method} {path}"})
                return failure_page(session.render)

        view.__name__ = f"console_{handler.__name__}"
        options = {"content_types": [FORM]} if method == "POST" else {}
        bp.route(path, methods=[method], **options)(view)
        return handler

    return register
