"""Cached boto3 factories built from settings; nothing is created at import time."""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.settings import get_settings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10)


@cache
def client(service: str) -> Any:
    """A boto3 client for ``service`` pointed at the configured endpoint (moto locally)."""
    settings = get_settings()
    return boto3.client(
        service, region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url, config=_CONFIG
    )


@cache
def table(name: str) -> Any:
    """A DynamoDB ``Table`` resource."""
    settings = get_settings()
    dynamodb = boto3.resource(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url, config=_CONFIG
    )
    return dynamodb.Table(name)


def reset() -> None:
    """Forget cached clients (settings changed: tests, local stack start-up)."""
    client.cache_clear()
    table.cache_clear()
    get_settings.cache_clear()
