"""One-click unsubscribe (RFC 8058) as a mail client uses it: the link in a mail's headers, the public page."""

from email import message_from_bytes, policy
from typing import Any
from urllib.parse import urlparse

from tests.support.api import Api

PREFIX = "http://127.0.0.1:8000/console/unsubscribe/"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def headers(mail: Any) -> Any:
    return message_from_bytes(mail.raw, policy=policy.default)


def link(mail: Any) -> str:
    """The path of the mail's one-click link, checked to have the form RFC 8058 asks for."""
    value = str(headers(mail)["List-Unsubscribe"])
    assert value.startswith("<" + PREFIX) and value.endswith(">"), value
    return urlparse(value[1:-1]).path


def page(api: Api, method: str, path: str) -> tuple[int, str]:
    """A public page as a mail client or a browser without cookies asks for it."""
    call = getattr(api.client.http, method.lower())
    response = call(path, headers=FORM, body="List-Unsubscribe=One-Click") if method == "POST" else call(path)
    return response.status_code, response.body.decode() if isinstance(response.body, bytes) else response.body
