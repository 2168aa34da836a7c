"""Assertions and DynamoDB look-ups shared by the API scenario tests."""

import json
from collections import Counter
from typing import Any

import boto3

from chalicelib.aws.dynamo import scan_all
from chalicelib.settings import get_settings


def assert_error(response: tuple[Any, ...], status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an error in the one JSON shape of DESIGN §3; returns its ``error`` object."""
    got_status, body = response[0], response[1]
    assert got_status == status, body
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    if code is not None:
        assert error["code"] == code, error
    return error


def detail_paths(error: dict[str, Any]) -> list[str]:
    return [detail["path"] for detail in error["details"]]


def scan(table_setting: str) -> list[dict[str, Any]]:
    """Every item of the table named by the settings field ``table_setting``, read with plain boto3."""
    settings = get_settings()
    table = boto3.resource("dynamodb", region_name=settings.aws_region).Table(getattr(settings, table_setting))
    return list(scan_all(table))


def integration_items(tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's integrations and name claims, sorted by key (its ``count`` of integrations aside)."""
    rows = [item for item in scan("integrations_table") if item["tenant_id"] == tenant_id and item["sk"] != "count"]
    return sorted(rows, key=lambda item: item["sk"])


def documents(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def metrics(output: str) -> Counter[str]:
    """Sum of every EMF metric written, after checking each document's envelope."""
    totals: Counter[str] = Counter()
    for doc in documents(output):
        if "_aws" not in doc:
            continue
        [directive] = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "EmailReport" and directive["Dimensions"] == [["service"]]
        assert doc["service"] == "email-report"
        for metric in directive["Metrics"]:
            values = doc[metric["Name"]]
            totals[metric["Name"]] += sum(values) if isinstance(values, list) else values
    return totals
