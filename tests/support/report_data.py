"""Report helpers for scenario tests: the scheduled reports run, a CSV zip fetched by its link and read back with
the csv module."""

import csv
import io
import zipfile
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlparse

from chalicelib.aws import blobs
from chalicelib.settings import get_settings
from tests.support.reports import run_scheduler


def linked(url: str) -> bytes:
    """The object a presigned link of the reports bucket names."""
    return blobs.get(unquote(urlparse(url).path).lstrip("/").removeprefix(get_settings().reports_bucket + "/"))


def read_zip(archive: bytes) -> dict[str, list[dict[str, str]]]:
    """``{table: rows}`` of a data zip, each CSV parsed as RFC 4180 UTF-8 (names ``<stem>-<table>.csv``)."""
    tables = {}
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        for name in opened.namelist():
            text = opened.read(name).decode("utf-8")
            assert "\r\n" in text and not text.startswith("\ufeff"), name
            table = name.removesuffix(".csv").rpartition("-")[2]
            tables[table] = list(csv.DictReader(io.StringIO(text, newline="")))
    return tables


def as_cells(records: list[dict]) -> list[dict[str, str]]:
    """JSON records spelled as the CSV writes them: true/false, empty for null."""
    def cell(value: object) -> str:
        return "" if value is None else ("true" if value else "false") if isinstance(value, bool) else str(value)
    return [{key: cell(value) for key, value in record.items()} for record in records]


def fire(api: Any, pipeline: Any, frozen_clock: Any, when: datetime) -> None:
    """Fire the hourly schedule at ``when`` (UTC), run the report jobs it queued, then the deliveries."""
    frozen_clock.moment = when
    run_scheduler(api, when)
    pipeline.drain()
