"""Every event handler works in a cold Lambda: no HTTP request has run before it."""

import json

import pytest


@pytest.mark.parametrize("handler", ["health_check", "report_scheduler", "digest_pass"])
def test_scheduled_handlers_run_before_any_http_request(app, api, handler):
    if hasattr(app, "lambda_context"):
        del app.lambda_context  # a cold container has served no HTTP request
    event = api.client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
    event["id"] = f"cold-{handler}"
    assert isinstance(api.client.lambda_.invoke(handler, event).payload, dict)


DUE = "2026-11-25T10:00:00+00:00"


@pytest.mark.parametrize(("handler", "body"), [
    ("delivery_worker", {"tenant_id": "nobody", "delivery_id": "none", "try": 1, "due": DUE}),
    ("report_worker", {"tenant_id": "nobody", "frequency": "daily", "timezone": "UTC", "period_key": "2026-11-24"}),
    ("trigger_groups", {"tenant_id": "nobody", "trigger_id": "none", "group_id": "none", "due": DUE}),
    ("event_router", {"tenant_id": "nobody", "events": [{"id": "none"}]}),
])
def test_queue_handlers_run_before_any_http_request(app, api, handler, body):
    if hasattr(app, "lambda_context"):
        del app.lambda_context
    event = api.client.events.generate_sqs_event(message_bodies=[json.dumps(body)], queue_name="cold")
    assert api.client.lambda_.invoke(handler, event).payload == {"batchItemFailures": []}


def test_the_deploy_migration_runs_before_any_http_request(app, api):
    if hasattr(app, "lambda_context"):
        del app.lambda_context
    assert api.client.lambda_.invoke("migrate", {}).payload == {"outcome": "started"}
