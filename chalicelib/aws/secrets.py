"""Secrets: the service's own (Secrets Manager) and those of its users (sealed with KMS).

- :func:`current`: a Secrets Manager secret's current value, cached for a short while so rotation needs no
  redeploy. Powertools' parameters utility caches on the wall clock, which tests cannot move; the service's rule is
  one injected clock (:mod:`chalicelib.clock`), so the cache here is the dozen lines it takes.
- :func:`seal` / :func:`unseal`: a small secret a user gives (an integration's PDF password) encrypted under the
  service's key (``SECRETS_KEY``) and bound to an encryption context: a sealed value copied to another tenant's or
  integration's row does not open there, and each opening is logged by CloudTrail with that context.
"""

import base64
from datetime import datetime, timedelta
from typing import NamedTuple

from chalicelib import clock
from chalicelib.aws.clients import client
from chalicelib.settings import get_settings


class _Cached(NamedTuple):
    value: str
    until: datetime


_cache: dict[str, _Cached] = {}


def current(secret_id: str, max_age_seconds: float) -> str:
    """The secret's ``AWSCURRENT`` string, read again once ``max_age_seconds`` have passed since the last read."""
    now = clock.now()
    cached = _cache.get(secret_id)
    if cached is None or now >= cached.until:
        value = client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        cached = _cache[secret_id] = _Cached(value, clock.shift(now, timedelta(seconds=max_age_seconds)))
    return cached.value



def seal(plaintext: str, context: dict[str, str]) -> str:
    """``plaintext`` encrypted with the secrets key under ``context``, base64 (storable as a string)."""
    blob = client("kms").encrypt(KeyId=get_settings().secrets_key, Plaintext=plaintext.encode(),
                                 EncryptionContext=context)["CiphertextBlob"]
    return base64.b64encode(blob).decode()


def unseal(sealed: str, context: dict[str, str]) -> str:
    """What :func:`seal` sealed under the same ``context``; KMS refuses (``InvalidCiphertextException``) another."""
    return client("kms").decrypt(KeyId=get_settings().secrets_key, CiphertextBlob=base64.b64decode(sealed),
                                 EncryptionContext=context)["Plaintext"].decode()
