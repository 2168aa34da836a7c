"""Report helpers for scenario tests: a preview rendered through the API and read back as text, and the ``fire``
fixture that runs the hourly schedule end to end."""

import io
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from pypdf import PdfReader

from chalicelib.aws import blobs
from chalicelib.settings import get_settings
from local.pollers import poll_once
from tests.support import lambdas
from tests.support.api import Api
from tests.support.clock import FrozenClock
from tests.support.pipeline import Pipeline


def preview(tenant: Any, frequency: str, period_end: str) -> tuple[dict[str, Any], bytes]:
    """``POST /v1/reports/preview``'s answer and the PDF it links to."""
    status, body = tenant.call("POST", "/v1/reports/preview", {"frequency": frequency, "period_end": period_end})
    assert status == 200, body
    key = unquote(urlparse(body["download_url"]).path).lstrip("/").removeprefix(get_settings().reports_bucket + "/")
    return body, blobs.get(key)


def preview_text(tenant: Any, frequency: str, period_end: str) -> str:
    """The previewed PDF's text on one line (runs of white space as one space)."""
    pages = PdfReader(io.BytesIO(preview(tenant, frequency, period_end)[1])).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def run_report_jobs(api: Any) -> None:
    """Every job on the report queue, run by the report worker."""
    while poll_once(get_settings().report_queue, lambda e: api.client.lambda_.invoke("report_worker", e).payload):
        pass


def run_watchdog(api: Any, pipeline: Pipeline, frozen_clock: FrozenClock, when: datetime) -> dict[str, int]:
    """The 5-minute health check (with the report watchdog) fired at ``when`` (UTC), then the report jobs it
    queued, then the deliveries."""
    frozen_clock.moment = when
    outcome: dict[str, int] = lambdas.fire(api, "health_check", f"watch-{when.isoformat()}")
    run_report_jobs(api)
    pipeline.drain()
    return outcome


def run_scheduler(api: Any, when: datetime) -> None:
    """The hourly report scheduler fired at ``when`` (UTC), then every report job it queued run by the worker."""
    scheduled = {"id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": "123456789012", "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
                 "resources": ["arn:aws:events:us-east-1:123456789012:rule/report_scheduler"], "detail": {},
                 "version": "0"}
    api.client.lambda_.invoke("report_scheduler", scheduled)
    run_report_jobs(api)


def fire_at(api: Any, pipeline: Pipeline, frozen_clock: FrozenClock, when: datetime) -> None:
    """Fire the hourly schedule at ``when`` (UTC), run the report jobs it queued, then the deliveries."""
    frozen_clock.moment = when
    run_scheduler(api, when)
    pipeline.drain()


@pytest.fixture
def fire(api: Api, pipeline: Pipeline, frozen_clock: FrozenClock) -> Callable[[datetime], None]:
    """:func:`fire_at` bound to the test's API, pipeline and clock."""
    return lambda when: fire_at(api, pipeline, frozen_clock, when)
