"""Chalice app: wires the blueprints and event-source handlers, nothing else."""

from typing import Any

from chalice import Chalice, ConvertToMiddleware, Rate
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib import clock
from chalicelib.api import deliveries, events, integrations, openapi, reports, tenants
from chalicelib.api.routing import normalise_framework_errors
from chalicelib.aws.idempotency import once
from chalicelib.console import pages as console
from chalicelib.delivery import health, worker
from chalicelib.events import bridge
from chalicelib.models import PlatformEventType
from chalicelib.observability import logger
from chalicelib.reports import jobs
from chalicelib.settings import get_settings

app = Chalice(app_name="email-report")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context))
app.register_middleware(normalise_framework_errors, "http")

for blueprint in (tenants.bp, integrations.bp, events.bp, deliveries.bp, reports.bp, openapi.bp, console.bp):
    app.register_blueprint(blueprint)


@app.on_sqs_message(queue=get_settings().delivery_queue, batch_size=10)
def delivery_worker(event: SQSEvent) -> dict[str, Any]:
    return worker.handle_batch(event.to_dict(), app.lambda_context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def health_check(event: CloudWatchEvent) -> dict[str, int]:
    return once(f"health#{event.to_dict()['id']}", lambda: health.check_all(clock.now()), app.lambda_context)


@app.schedule(Rate(1, unit=Rate.HOURS))
def report_scheduler(event: CloudWatchEvent) -> dict[str, int]:
    return once(f"reports#{event.to_dict()['id']}", lambda: jobs.schedule(clock.now()), app.lambda_context)


# One job per invocation: Chalice cannot enable ReportBatchItemFailures, so a failed job must fail the batch.
@app.on_sqs_message(queue=get_settings().report_queue, batch_size=1)
def report_worker(event: SQSEvent) -> dict[str, Any]:
    return jobs.handle_batch(event.to_dict(), app.lambda_context)


@app.on_cw_event({"source": [bridge.SOURCE], "detail-type": list(PlatformEventType.__args__)})
def platform_events(event: CloudWatchEvent) -> dict[str, Any]:
    return bridge.handle(event.to_dict()).model_dump(mode="json")
