"""API tokens, roles and tenant scoping.

A token reads ``ert_<id>_<secret>``: the public ``id`` finds the record, the 256-bit secret is
checked against its SHA-256 in constant time. A fast hash is enough for random secrets of this
size (there is no dictionary to guess from); the raw token is never stored.
"""

import hashlib
import hmac
import secrets
from typing import NamedTuple

from chalicelib import clock
from chalicelib.aws import secrets as secrets_store
from chalicelib.aws import tenants_repo, tokens_repo
from chalicelib.aws.tokens_repo import TokenRecord
from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.models.tenants import Tenant
from chalicelib.settings import get_settings

PREFIX = "ert"
GRANTS: dict[str, frozenset[str]] = {
    "admin": frozenset({"admin", "viewer", "ingest"}),
    "viewer": frozenset({"viewer"}),
    "ingest": frozenset({"ingest"}),
}
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()


class Caller(NamedTuple):
    """Who is calling: every request is scoped to ``tenant_id``."""

    tenant_id: str
    role: str
    token_id: str
    tenant: Tenant | None = None  # as read when the token was checked: a route may use it instead of reading again

    def require(self, role: str) -> None:
        if role not in GRANTS.get(self.role, frozenset()):
            raise Forbidden(f"this action needs the {role!r} role; the token has {self.role!r}")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(tenant_id: str, name: str, role: str) -> tuple[TokenRecord, str]:
    """A new token record and the raw token, which is shown to the user once and never stored."""
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    record = TokenRecord(token_id, tenant_id, name, role, _hash(secret), clock.iso(clock.now()))
    return record, f"{PREFIX}_{token_id}_{secret}"


def _bearer(header: str | None) -> str:
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("send 'Authorization: Bearer <token>'")
    return value.strip()


def authenticate(header: str | None) -> Caller:
    """The caller of a tenant token, or :class:`Unauthorized`."""
    prefix, _, rest = _bearer(header).partition("_")
    token_id, _, secret = rest.partition("_")
    record = tokens_repo.get(token_id) if prefix == PREFIX and token_id.isalnum() and len(token_id) <= 32 else None
    expected = record.secret_hash if record else _DUMMY_HASH
    if not hmac.compare_digest(_hash(secret), expected) or record is None:
        raise Unauthorized("the token is not valid or was revoked", invalid_token=True)
    tenant = tenants_repo.get(record.tenant_id, consistent=True)
    if tenant is None:  # a deleted tenant's tokens stop at once
        raise Unauthorized("the token is not valid or was revoked", invalid_token=True)
    tokens_repo.note_use(record, clock.now())
    return Caller(record.tenant_id, record.role, record.id, tenant)


def _operator_token() -> str | None:
    """The Secrets Manager secret when one is configured (AWS), else ``OPERATOR_TOKEN`` (local stack, tests)."""
    settings = get_settings()
    if settings.operator_token_secret:
        return secrets_store.current(settings.operator_token_secret, settings.operator_token_cache_seconds)
    return settings.operator_token.get_secret_value() if settings.operator_token else None


def authenticate_operator(header: str | None) -> None:
    """Only the operator token may create tenants."""
    given = _bearer(header)
    configured = _operator_token()
    if not configured or not hmac.compare_digest(given.encode(), configured.encode()):
        raise Unauthorized("the operator token is not valid", invalid_token=True)
