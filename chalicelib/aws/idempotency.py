"""Run a piece of work once per key (powertools Idempotency on DynamoDB): redelivered
scheduled events and EventBridge retries must not act twice."""

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from chalicelib.aws.clients import client
from chalicelib.settings import get_settings


@lru_cache(maxsize=1)
def _persistence() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=client("dynamodb"))


def once(key: str, work: Callable[[], Any], context: Any = None, expires_after_seconds: int = 24 * 3600) -> Any:
    """``work()`` the first time ``key`` is seen; its stored result on every later call."""
    config = IdempotencyConfig(expires_after_seconds=expires_after_seconds)
    if context is not None:
        config.register_lambda_context(context)

    @idempotent_function(data_keyword_argument="key", persistence_store=_persistence(), config=config)
    def run(key: str) -> Any:
        return work()

    return run(key=key)
