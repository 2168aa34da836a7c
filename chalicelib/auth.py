"""API tokens, roles and tenant scoping.

A token reads ``ert_<id>_<secret>``: the public ``id`` finds the record, the 256-bit secret is
checked against its SHA-256 in constant time. A fast hash is enough for random secrets of this
size (there is no dictionary to guess from); the raw token is never stored.

A console session is a random 256-bit secret of its own (the cookie's value), stored as its SHA-256 with the token
it acts for and its end: signing out deletes it, and it works only while its token and tenant exist, so a copied
cookie dies with any of the three and never reveals the API token.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import NamedTuple

from chalicelib import clock
from chalicelib.aws import secrets as secrets_store
from chalicelib.aws import tenants_repo, tokens_repo
from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.models.tenants import Tenant
from chalicelib.settings import get_settings
from chalicelib.stores.tenants import TokenRecord

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


def public_id(token: str) -> str:
    """The part of ``ert_<id>_<secret>`` that names a token's record (all of ``token`` when it is malformed)."""
    prefix, _, rest = token.partition("_")
    token_id = rest.partition("_")[0]
    return token_id if prefix == PREFIX and token_id.isalnum() and len(token_id) <= 32 else token


def _caller(record: TokenRecord | None) -> Caller:
    if record is None:
        raise Unauthorized("the token is not valid or was revoked", invalid_token=True)
    tenant = tenants_repo.get(record.tenant_id, consistent=True)
    if tenant is None:  # a deleted tenant's tokens stop at once
        raise Unauthorized("the token is not valid or was revoked", invalid_token=True)
    tokens_repo.note_use(record, clock.now())
    return Caller(record.tenant_id, record.role, record.id, tenant)


def authenticate(header: str | None) -> Caller:
    """The caller of a tenant token, or :class:`Unauthorized`."""
    prefix, _, rest = _bearer(header).partition("_")
    token_id, _, secret = rest.partition("_")
    record = tokens_repo.get(token_id) if prefix == PREFIX and token_id.isalnum() and len(token_id) <= 32 else None
    expected = record.secret_hash if record else _DUMMY_HASH
    return _caller(record if hmac.compare_digest(_hash(secret), expected) else None)


def open_session(caller: Caller, seconds: int) -> str:
    """A console session acting for ``caller``'s token for ``seconds``: the secret for its cookie."""
    secret = secrets.token_urlsafe(32)
    tokens_repo.put_session(_hash(secret), caller.token_id, clock.shift(clock.now(), timedelta(seconds=seconds)))
    return secret


def authenticate_session(secret: str) -> Caller:
    """The caller of a console session, or :class:`Unauthorized` once it was closed or expired, or its token
    revoked or its tenant deleted."""
    session = tokens_repo.get_session(_hash(secret)) if 32 <= len(secret) <= 64 else None
    if session is None or session.expires_at <= clock.now().timestamp():
        raise Unauthorized("the session has ended; sign in again")
    return _caller(tokens_repo.get(session.token_id))


def close_session(secret: str) -> None:
    """Sign-out: the session's cookie stops working at once, wherever it was copied to."""
    if secret:
        tokens_repo.delete_session(_hash(secret))


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
