"""Report helpers for scenario tests: the scheduled reports run, a CSV zip fetched by its link and read back with
the csv module."""

import csv
import io
import zipfile
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

from chalicelib.aws import blobs
from chalicelib.settings import get_settings
from local.outbox import Mail
from tests.support.pipeline import outbox


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


# A small ledger for a Berlin tenant (November 2026): vulnerabilities fixed and reopened, incidents, attacks; one title
# with every character a CSV must quote.
BERLIN = ZoneInfo("Europe/Berlin")
TRICKY = 'Injection, "quoted" in /search\nsecond line — ümlaut ログイン'


def at(day: int, hour: int = 12, month: int = 11) -> str:
    return datetime(2026, month, day, hour, tzinfo=BERLIN).astimezone(UTC).isoformat()


LEDGER = [
    {"id": "v1", "type": "vulnerability.detected", "time": at(3),
     "data": {"id": "V1", "risk": "high", "title": TRICKY, "host": "pay.example", "path": "/search",
              "method": "get", "parameter": "q"}},
    {"id": "v1c", "type": "vulnerability.status_changed", "time": at(8), "data": {"id": "V1", "status": "closed"}},
    {"id": "v2", "type": "vulnerability.detected", "time": at(10, month=10),
     "data": {"id": "V2", "risk": "medium", "title": "Weak TLS, old ciphers", "host": "api.example"}},
    {"id": "v3", "type": "vulnerability.detected", "time": at(1, month=10),
     "data": {"id": "V3", "risk": "low", "title": "Verbose errors", "host": "api.example"}},
    {"id": "v3c", "type": "vulnerability.status_changed", "time": at(5, month=10),
     "data": {"id": "V3", "status": "closed"}},
    {"id": "v3r", "type": "vulnerability.status_changed", "time": at(20), "data": {"id": "V3", "status": "open"}},
    {"id": "i1", "type": "incident.detected", "time": at(4),
     "data": {"title": "Credential stuffing, \"admin\"", "risk": "high", "status": "open", "host": "pay.example"}},
    {"id": "i0", "type": "incident.detected", "time": at(20, month=10),
     "data": {"title": "Scan from Örebro", "risk": "low", "status": "open", "host": "api.example"}},
    *({"id": f"a{n}", "type": "attack.detected", "time": at(2 + n % 20),
       "data": {"type": "sqli", "host": "pay.example", "path": "/login" if n % 3 else "/search", "hits": 2,
                "ip": "203.0.113.7" if n % 2 else "198.51.100.9", "country": "DE" if n % 2 else "US"}}
      for n in range(9)),
]


NOVEMBER_OVER = datetime(2026, 11, 30, 23, 5, tzinfo=UTC)  # just after midnight in Berlin, 1 December


def ledger_tenant(api: Any, frozen_clock: Any) -> Any:
    """Datenwerk (Europe/Berlin) on 1 December, with November's :data:`LEDGER` posted."""
    frozen_clock.moment = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    handle = api.tenant("Datenwerk", "sec@datenwerk.example", timezone="Europe/Berlin")
    status, body = handle.call("POST", "/v1/events", {"events": LEDGER})
    assert status == 202, body
    return handle


def add_monthly(tenant: Any, name: str, address: str, **extra: Any) -> dict[str, Any]:
    """An integration of ``tenant`` that gets the monthly report at ``address``."""
    status, body = tenant.call("POST", "/v1/integrations", {"name": name, "emails": [address],
                                                            "events": ["report_monthly"], **extra})
    assert status == 201, body
    return body


def mail_to(address: str) -> Mail:
    """The one mail in the outbox to ``address``."""
    [mail] = [mail for mail in outbox() if address in mail.to]
    return mail
