"""Observability: the EMF metrics a delivery emits, log lines that name their tenant, integration, delivery and
correlation ids, a fresh log context per invocation, tracing only inside Lambda, and a lean API cold start."""

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib import observability
from tests.support.checks import documents, metrics

ROOT = Path(__file__).resolve().parents[2]
VULN = {"type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z", "data": {"risk": "high", "title": "SQLi"}}



def post_event(tenant, event_id: str) -> None:
    status, body = tenant.call("POST", "/v1/events", {"events": [{"id": event_id, **VULN}]})
    assert status == 202 and body["results"][0]["status"] == "accepted", body


@pytest.fixture
def soc_only(acme, pipeline):
    """Acme with one integration subscribed to high-risk vulnerabilities (the default one disabled)."""
    [default] = acme.call("GET", "/v1/integrations")[1]["items"]
    acme.call("POST", f"/v1/integrations/{default['id']}/disable")
    pipeline.drain()  # the disable notice
    return acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])


def test_a_sent_delivery_emits_ingested_and_sent(acme, soc_only, pipeline, capfd):
    capfd.readouterr()
    post_event(acme, "e-1")
    pipeline.drain()

    assert metrics(capfd.readouterr().out) == {"EventsIngested": 1, "DeliveriesSent": 1}


def test_a_failed_try_emits_failed_and_retried_then_sent(acme, soc_only, pipeline, flaky_ses, capfd):
    flaky_ses.fail_next(2)
    capfd.readouterr()
    post_event(acme, "e-1")
    pipeline.drain()

    assert metrics(capfd.readouterr().out) == {"EventsIngested": 1, "DeliveriesFailed": 2, "DeliveriesRetried": 2,
                                               "DeliveriesSent": 1}


def test_a_spent_schedule_emits_dead(acme, soc_only, pipeline, flaky_ses, capfd):
    flaky_ses.fail_next(100)
    capfd.readouterr()
    post_event(acme, "e-1")
    pipeline.drain()

    emitted = metrics(capfd.readouterr().out)
    assert emitted["DeliveriesDead"] == 1 and emitted["DeliveriesFailed"] == 17 and emitted["DeliveriesRetried"] == 16
    assert "DeliveriesSent" not in emitted


def test_log_lines_carry_the_ids_and_one_correlation_id_from_request_to_send(acme, soc_only, pipeline):
    output = io.StringIO()
    handler = observability.logger.registered_handler
    stream = handler.setStream(output)  # the handler keeps the stdout it was created with
    observability.logger.setLevel("INFO")
    try:
        post_event(acme, "e-1")
        pipeline.drain()
        post_event(acme, "e-2")
    finally:
        observability.logger.setLevel("WARNING")
        handler.setStream(stream)
    lines = documents(output.getvalue())

    routed = [line for line in lines if line["message"] == "event routed"]
    [sent] = [line for line in lines if line["message"] == "delivery sent"]
    assert [line["tenant_id"] for line in routed] == [acme.id, acme.id]
    assert sent["tenant_id"] == acme.id and sent["integration_id"] == soc_only["id"] and sent["delivery_id"]
    assert sent["function_name"] == "delivery_worker"
    # the worker's line names the request that queued the delivery, and nothing leaks into the next request
    assert routed[0]["correlation_id"] and sent["correlation_id"] == routed[0]["correlation_id"]
    assert routed[1]["correlation_id"] != routed[0]["correlation_id"]
    assert "delivery_id" not in routed[1] and "integration_id" not in routed[1]


def test_tracing_is_off_outside_lambda_and_wraps_every_invocation_inside(acme, monkeypatch):
    from aws_lambda_powertools import Tracer

    assert observability.tracer() is None
    traced: list[str] = []
    tracer = Tracer(service=observability.SERVICE, disabled=True)
    real = tracer.capture_lambda_handler

    def capture(handler: Any = None, **options: Any) -> Any:
        if handler is not None:
            traced.append(handler.__name__)
        return real(handler, **options)

    monkeypatch.setattr(tracer, "capture_lambda_handler", capture)
    monkeypatch.setattr(observability, "tracer", lambda: tracer)

    assert acme.call("GET", "/v1/tenant")[0] == 200
    assert len(traced) == 1


def test_importing_the_api_handler_loads_no_renderer_template_engine_or_tracer() -> None:
    heavy = ["fpdf", "PIL", "jinja2", "email_validator", "aws_xray_sdk", "aws_lambda_powertools.utilities.batch",
             "aws_lambda_powertools.utilities.idempotency", "chalicelib.reports.scheduler",
             "chalicelib.reports.generation",
             "chalicelib.reports.periods", "chalicelib.reports.pdf",
             "chalicelib.integrations.checks", "chalicelib.delivery.worker", "chalicelib.events.ingest",
             "chalicelib.triggers.evaluate", "pydantic_settings"]
    code = f"import sys, app; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", ("app.py is imported by every Lambda, the API's included: import these "
                                           "where they are used (see bench/cold_start.py)")


def test_the_garbage_collector_is_back_on_after_the_import_with_the_imported_objects_frozen() -> None:
    code = "import gc; gc.enable(); import app; print(gc.isenabled(), gc.get_freeze_count() > 10_000)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
