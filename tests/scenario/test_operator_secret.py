"""The operator token lives in Secrets Manager on AWS: read by ARN, cached briefly, and a rotation is taken
without a redeploy once the cache's age has passed."""

from collections.abc import Iterator

import pytest

from chalicelib.aws.clients import client
from chalicelib.settings import get_settings
from tests.support.api import Api
from tests.support.checks import scan
from tests.support.clock import FrozenClock

ACME = {"name": "Acme", "primary_email": "sec@acme.io"}


@pytest.fixture
def secret_arn(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A generated operator token in Secrets Manager, named to the service as the template does (by ARN)."""
    # the name the template gives it, so the permission check finds api_handler's grant
    arn = client("secretsmanager").create_secret(Name=f"email-report/{get_settings().stage}/operator-token",
                                                 SecretString="first-token")["ARN"]
    monkeypatch.setenv("OPERATOR_TOKEN_SECRET", arn)
    monkeypatch.setenv("OPERATOR_TOKEN_CACHE_SECONDS", "60")
    get_settings.cache_clear()
    yield arn
    monkeypatch.undo()
    get_settings.cache_clear()


def create(api: Api, token: str) -> int:
    status, _, _ = api.call("POST", "/v1/tenants", token=token, body=ACME)
    return status


def test_the_operator_token_is_read_from_the_secret(api: Api, secret_arn: str) -> None:
    # WHEN the operator sends the secret's value
    assert create(api, "first-token") == 201
    # THEN the tenant exists; and OPERATOR_TOKEN (the local stack's) no longer opens anything
    assert [row["name"] for row in scan("tenants_table")] == ["Acme"]
    assert create(api, "operator-secret") == 401


def test_a_rotated_token_is_taken_after_the_cache_age_without_a_redeploy(api: Api, secret_arn: str,
                                                                        frozen_clock: FrozenClock) -> None:
    assert create(api, "first-token") == 201
    # WHEN the secret is rotated
    client("secretsmanager").put_secret_value(SecretId=secret_arn, SecretString="second-token")
    # THEN within the cache's age the old token still works and the new one not yet
    frozen_clock.advance(seconds=59)
    assert create(api, "second-token") == 401
    assert create(api, "first-token") == 201
    # AND once it has passed, the new token works and the old one is refused
    frozen_clock.advance(seconds=1)
    assert create(api, "first-token") == 401
    assert create(api, "second-token") == 201
    assert len(scan("tenants_table")) == 3
