"""The way into the console: its root, its stylesheet, sign-in with an API token and sign-out."""

from chalice import Blueprint, Response

from chalicelib import auth, limits
from chalicelib.console import web
from chalicelib.console.web import Session, field, page
from chalicelib.errors import AppError, Forbidden, Unauthorized

bp = Blueprint(__name__)
NOTICES = {"signed-out": "You are signed out."}


@bp.route("/console")
def console_home() -> Response:
    return web.redirect(web.url("/integrations"))


@bp.route("/console/static/console.css")
def console_stylesheet() -> Response:
    return Response((web.STATIC / "console.css").read_text(), headers={
        "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff"})


@web.public(bp, "/console/sign-in")
def console_sign_in_form() -> Response:
    nonce = web.new_nonce()
    notice = NOTICES.get(web.query(bp.current_request).get("notice") or "")
    return web.render_public("sign_in.html", nonce=nonce, error=None, notice=notice,
                             headers={"Set-Cookie": web.sign_in_cookie(nonce)})


@web.public(bp, "/console/sign-in", "POST", [web.FORM])
def console_sign_in() -> Response:
    request = bp.current_request
    nonce = web.new_nonce()
    try:
        form = web.form_body(request)
        expected = web.cookies(request).get(web.SIGN_IN_COOKIE, "")
        if not expected or not web.same(field(form, "csrf"), expected):
            raise Forbidden("The sign-in form expired. Try again.")
        token = field(form, "token").strip()
        if not token:
            raise Unauthorized("Enter an API token.")
        # only failures count (a team may share a viewer token), but a full log refuses before the token is tried:
        # a guesser never learns whether a guess was right
        door = limits.door("sign-in", web.client_address(request), auth.public_id(token))
        limits.check(*door)
        try:
            caller = auth.authenticate(f"Bearer {token}")
        except Unauthorized:
            limits.enforce(*door)
            raise
        if caller.role not in ("admin", "viewer"):
            raise Forbidden("This token can only send events. Sign in with an admin or viewer token.")
    except Unauthorized as error:
        message = error.message if error.message == "Enter an API token." else "This token is not valid or was revoked."
        return web.render_public("sign_in.html", 401, nonce=nonce, error=message, notice=None,
                                 headers={"Set-Cookie": web.sign_in_cookie(nonce)})
    except AppError as error:
        return web.render_public("sign_in.html", error.status, nonce=nonce, error=error.message, notice=None,
                                 headers={"Set-Cookie": web.sign_in_cookie(nonce), **error.headers()})
    session_id = auth.open_session(caller, web.session_seconds())
    return web.redirect(web.url("/integrations"), {"Set-Cookie": web.session_cookie(session_id)})


@page(bp, "POST", "/console/sign-out")
def sign_out(session: Session, form: dict[str, list[str]]) -> Response:
    auth.close_session(web.cookies(bp.current_request).get(web.SESSION_COOKIE, ""))
    return web.redirect(web.url("/sign-in", notice="signed-out"),
                        {"Set-Cookie": web.cleared_cookie(web.SESSION_COOKIE)})
