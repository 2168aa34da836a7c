"""Chalice app: wires the blueprints and event-source handlers, nothing else.

Every Lambda imports this module, the API's included, so the event handlers import their domain modules
(PDF rendering, batch processing, idempotency) when they first run, not here.

The cyclic garbage collector is off while the modules load: their objects all live as long as the process,
yet each full collection walks every one of them (a measured ~20 ms of each cold start). At the end they are
frozen, out of the collector's sight, and collection resumes for what the invocations allocate.
"""

import gc

gc.disable()

from typing import Any

from chalice import Chalice, Rate
from chalice.app import CloudWatchEvent, SNSEvent, SQSEvent

from chalicelib import clock, observability, wiring
from chalicelib.api import deliveries, events, integrations, openapi, reports, snoozes, suppressions, tenants
from chalicelib.api.routing import normalise_framework_errors
from chalicelib.api.triggers import bp as triggers_bp
from chalicelib.console import delivery_log as console_delivery_log
from chalicelib.console import integrations as console_integrations
from chalicelib.console import reports as console_reports
from chalicelib.console import sign_in as console_sign_in
from chalicelib.console import snoozes as console_snoozes
from chalicelib.console import suppressions as console_suppressions
from chalicelib.console import triggers as console_triggers
from chalicelib.console import unsubscribe as console_unsubscribe
from chalicelib.console import web as console_web
from chalicelib.events import bridge
from chalicelib.models.events import PLATFORM_EVENTS
from chalicelib.settings import get_settings

app = Chalice(app_name="email-report")
observability.attach(app)
app.register_middleware(normalise_framework_errors, "http")
app.register_middleware(console_web.html_errors, "http")  # inside the one above: console answers become pages

for blueprint in (tenants.bp, integrations.bp, events.bp, deliveries.bp, reports.bp, suppressions.bp, snoozes.bp,
                  openapi.bp, console_sign_in.bp, console_integrations.bp, console_delivery_log.bp, console_reports.bp,
                  console_triggers.bp, console_suppressions.bp, console_unsubscribe.bp, console_snoozes.bp):
    app.register_blueprint(blueprint)
app.register_blueprint(triggers_bp)


@app.on_sqs_message(queue=get_settings().delivery_queue, batch_size=10)
def delivery_worker(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.delivery import worker

    return worker.handle_batch(wiring.stores(), event.to_dict(), event.context)


@app.on_sqs_message(queue=get_settings().route_queue, batch_size=10)
def event_router(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.events import ingest

    return ingest.handle_batch(wiring.stores(), event.to_dict(), event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def health_check(event: CloudWatchEvent) -> dict[str, int]:
    """The failure ratios (auto-disable), then the report watchdog: a function apart from the report scheduler, so
    a scheduler outage is seen."""
    from chalicelib.aws.idempotency import once
    from chalicelib.events import ingest
    from chalicelib.integrations import health
    from chalicelib.reports import watchdog

    def both() -> dict[str, int]:
        now = clock.now()
        return {**health.check_all(wiring.stores(), now), **watchdog.check(wiring.stores(), now, ingest.emit)}

    return once(f"health#{event.to_dict()['id']}", both, event.context)


@app.schedule(Rate(1, unit=Rate.HOURS))
def report_scheduler(event: CloudWatchEvent) -> dict[str, int]:
    from chalicelib.aws.idempotency import once
    from chalicelib.reports import scheduler

    return once(f"reports#{event.to_dict()['id']}", lambda: scheduler.schedule(clock.now()), event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def digest_pass(event: CloudWatchEvent) -> dict[str, int]:
    from chalicelib.aws.idempotency import once
    from chalicelib.digests import send

    return once(f"digests#{event.to_dict()['id']}", lambda: send.run(clock.now()), event.context)


# One job (or scheduling or data-migration page) per invocation, so a failed one fails its invocation alone and SQS
# retries just it: this queue's event source has no ReportBatchItemFailures, which .chalice/resources.json gives the
# other SQS handlers (Chalice's decorator cannot).
@app.on_sqs_message(queue=get_settings().report_queue, batch_size=1)
def report_worker(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.reports import generation
    from chalicelib.tenants import upgrade

    return generation.handle_batch(event.to_dict(), event.context, {upgrade.KEY: upgrade.run_page})


# CloudFormation's custom resource DataMigration calls it at deploy (.chalice/resources.json)
@app.lambda_function(name="migrate")
def migrate(event: dict[str, Any], context: Any) -> dict[str, str]:
    from chalicelib.tenants import upgrade

    return upgrade.on_deploy(event)


@app.on_sqs_message(queue=get_settings().trigger_queue, batch_size=10)
def trigger_groups(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.triggers import evaluate

    return evaluate.handle_batch(event.to_dict(), event.context)


@app.on_cw_event({"source": [bridge.SOURCE], "detail-type": list(PLATFORM_EVENTS)})
def platform_events(event: CloudWatchEvent) -> dict[str, Any]:
    return bridge.handle(wiring.stores(), event.to_dict()).model_dump(mode="json")


@app.on_sns_message(topic=get_settings().ses_feedback_topic)
def ses_feedback(event: SNSEvent) -> dict[str, Any]:
    from chalicelib.suppressions import feedback

    return feedback.handle(event.message)


gc.freeze()
gc.enable()
