"""Signed, expiring mail links (one-click unsubscribe, snooze and mute): one way to make and read them.

A token is itsdangerous' URL-safe, timestamped serialisation of a list of strings, signed (HMAC-SHA256) with the
integration's own random key and a salt per purpose, so a token made for one purpose never passes for another and
deleting the integration voids its links. The clock is the service's (tests move it). itsdangerous is imported where
a link is made or read, never on an API request's cold start.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.errors import Gone, NotFound

if TYPE_CHECKING:
    from itsdangerous import URLSafeTimedSerializer

_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,1200}")


@dataclass(frozen=True)
class Signed:
    """One purpose's links: its salt, how many parts a token names, and what an invalid or expired one says."""

    salt: str
    parts: int
    not_valid: str
    expired: str

    def _serializer(self, key: str) -> "URLSafeTimedSerializer":
        from itsdangerous import TimestampSigner, URLSafeTimedSerializer  # only where links are made or read

        class _ClockSigner(TimestampSigner):
            def get_timestamp(self) -> int:  # the service's one clock, so tests move time
                return int(clock.now().timestamp())

        return URLSafeTimedSerializer(key, salt=self.salt, signer=_ClockSigner,
                                      signer_kwargs={"digest_method": hashlib.sha256})  # not SHA-1

    def token(self, parts: list[str], key: str) -> str:
        """The signed token of ``parts``."""
        return str(self._serializer(key).dumps(parts))

    def claims(self, value: str) -> list[str]:
        """What a token names *before* its signature is checked (the key is the integration's it names);
        :class:`NotFound` when it names nothing readable."""
        if _TOKEN.fullmatch(value):
            from itsdangerous import BadData

            try:
                payload: Any = self._serializer("-").loads_unsafe(value)[1]
            except BadData:
                payload = None
            if isinstance(payload, list) and len(payload) == self.parts and all(
                    isinstance(part, str) and part for part in payload):
                return payload
        raise NotFound(self.not_valid)

    def verify(self, value: str, key: str, max_age: timedelta) -> None:
        """Nothing if ``value`` was signed with ``key`` within ``max_age``; else :class:`NotFound` (tampered, or
        another key or purpose) or :class:`Gone` (expired)."""
        from itsdangerous import BadData, SignatureExpired

        try:
            self._serializer(key).loads(value, max_age=max_age.total_seconds())
        except SignatureExpired:
            raise Gone(self.expired) from None
        except BadData:
            raise NotFound(self.not_valid) from None


def put_link(body: str, mark: str, link: str | None) -> str:
    """``body`` with its last ``mark`` replaced by ``link``, or, without a link, that mark's line left out (only
    the last place: text from an event, earlier in the body, cannot move a link)."""
    before, found, after = body.rpartition(mark)
    if not found:
        return body  # stored before the mark existed, or a mail without that link
    if link:
        return before + link + after
    end = after.find("\n")
    return before[:before.rfind("\n") + 1] + (after[end + 1:] if end >= 0 else "")
