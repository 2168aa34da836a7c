"""The web console through chalice's test client (tests/scenario/test_console*.py): a tiny cookie-keeping browser,
the ``browser`` and signed-in ``admin`` fixtures (registered in tests/scenario/conftest.py)."""

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests.support.api import Api, TenantHandle

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, str]

    @property
    def csrf(self) -> str:
        found = _CSRF.search(self.body)
        assert found, "the page has no form with a CSRF token"
        return found.group(1)


@dataclass
class Browser:
    """A tiny browser: keeps cookies, follows nothing, posts urlencoded forms."""

    client: Client
    cookies: dict[str, str] = field(default_factory=dict)

    def _send(self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None) -> Page:
        sent = {**(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = getattr(self.client.http, method)(path, headers=sent, body=body)
        set_cookie = response.headers.get("Set-Cookie") or response.headers.get("set-cookie")
        if set_cookie:
            name, _, rest = set_cookie.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in set_cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        body_text = response.body.decode() if isinstance(response.body, bytes) else (response.body or "")
        return Page(response.status_code, body_text, dict(response.headers))

    def get(self, path: str) -> Page:
        return self._send("get", path)

    def post(self, path: str, data: dict[str, Any] | list[tuple[str, str]]) -> Page:
        return self._send("post", path, urlencode(data, doseq=True), FORM)

    def sign_in(self, token: str) -> Page:
        form = self.get("/console/sign-in")
        return self.post("/console/sign-in", {"csrf": form.csrf, "token": token})


@pytest.fixture
def browser(api: Api) -> Browser:
    return Browser(api.client)


@pytest.fixture
def admin(browser: Browser, acme: TenantHandle) -> Browser:
    assert browser.sign_in(acme.token).status == 303
    return browser


def integration_id(acme: TenantHandle, name: str) -> str:
    items = acme.call("GET", "/v1/integrations")[1]["items"]
    return next(item["id"] for item in items if item["name"] == name)


def trigger_form(csrf: str, integration_id: str, **overrides: Any) -> dict[str, Any]:
    return {"csrf": csrf, "name": "Attack spike", "active": "on", "kind": "threshold", "metric": "attacks",
            "interval": "hour", "threshold": "100", "domain": "shop.acme.io, api.acme.io", "exclude": [],
            "integration_ids": [integration_id], **overrides}


def primary_id(acme: TenantHandle) -> str:
    return acme.call("GET", "/v1/integrations")[1]["items"][0]["id"]


def form_fields(csrf: str, frequency: str = "weekly", **overrides: Any) -> list[tuple[str, str]]:
    """The form as a browser posts it; ``frequency`` ticks that report's checkbox ("none": no report)."""
    fields = {"name": "SOC", "emails": "soc@acme.io, lead@acme.io",
              "events": ["system", "vuln_high", "vuln_medium", "vuln_low", "scope"], **overrides}
    fields["events"] = ([f"report_{frequency}"] if frequency != "none" else []) + fields["events"]
    pairs = [("csrf", csrf), ("action", fields.pop("action", "save"))]
    for key, value in fields.items():
        pairs += [(key, item) for item in value] if isinstance(value, list) else [(key, value)]
    return pairs
