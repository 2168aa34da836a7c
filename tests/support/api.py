"""The HTTP API through chalice's test client, and a tenant made through it."""

import json
from dataclasses import dataclass
from typing import Any

from chalice.test import Client

OPERATOR = {"Authorization": "Bearer operator-secret"}


@dataclass
class Api:
    """The HTTP API through chalice's test client, with JSON in and out."""

    client: Client

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
        """One request; ``TenantHandle.call`` and ``HttpApi.call`` take the same arguments in the same order."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        raw = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        response = getattr(self.client.http, method.lower())(path, headers=sent, body=raw)
        parsed = json.loads(response.body) if response.body else None
        return response.status_code, parsed, dict(response.headers)

    def tenant(self, name: str = "Acme", email: str = "sec@acme.io", **extra: Any) -> "TenantHandle":
        status, body, _ = self.call("POST", "/v1/tenants", body={"name": name, "primary_email": email, **extra},
                                    headers=OPERATOR)
        assert status == 201, body
        return TenantHandle(self, body["tenant"], body["admin_token"])


@dataclass
class TenantHandle:
    api: Api
    tenant: dict[str, Any]
    token: str

    @property
    def id(self) -> str:
        return self.tenant["id"]

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """:meth:`Api.call` as this tenant's admin (or as ``token``), without the response headers."""
        status, parsed, _ = self.api.call(method, path, body, token=token or self.token, headers=headers)
        return status, parsed

    def token_for(self, role: str) -> str:
        status, body = self.call("POST", "/v1/tokens", {"name": role, "role": role})
        assert status == 201, body
        return body["token"]

    def integration(self, **fields: Any) -> dict[str, Any]:
        payload = {"name": "SOC", "emails": "a@acme.io, b@acme.io", "events": ["system", "vuln"], **fields}
        status, body = self.call("POST", "/v1/integrations", payload)
        assert status == 201, body
        return body
