"""Cost follows work: a quiet periodic pass costs the same AWS requests at 100 and at 1,000 tenants, and a busy
one grows with what it has to do. Tenants and integrations are written straight into the tables (the API
would take minutes for 1,000); requests are counted with a botocore hook through the Lambda handlers."""

import json
import math
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import clock
from chalicelib.aws import counters_repo, due_index, integrations_repo
from chalicelib.reports import scheduler
from chalicelib.settings import get_settings
from local.pollers import poll_once
from tests.support.lambdas import aws_requests, fire
from tests.support.scale import add_tenants, default_integrations


def health_pass(api: Any, event_id: str) -> tuple[dict[str, int], Counter[str]]:
    with aws_requests() as counted:
        outcome = fire(api, "health_check", event_id)
    return outcome, counted


@pytest.mark.parametrize("tenants", [100, 1000])
def test_a_quiet_health_check_costs_the_same_at_100_and_1000_tenants(api, tenants):
    # GIVEN 100 or 1,000 tenants with an active integration each, which sent without a failure
    for integration in default_integrations(tenants)[:50]:
        counters_repo.count_requests(integration.tenant_id, integration.id, clock.now(), 20, 0)
    # WHEN the health check runs
    outcome, counted = health_pass(api, f"quiet-{tenants}")
    # THEN it reads the failing index and, for the report watchdog, the due index's watched runs and overdue
    # schedules (one Query per shard each), and the idempotency record, nothing per tenant
    assert outcome == {"failing": 0, "checked": 0, "disabled": 0, "warned": 0, "held": 0, "late_runs": 0}
    assert counted["dynamodb.Query"] == counters_repo.FAILING_SHARDS + 2 * due_index.SHARDS
    assert sum(counted.values()) <= counters_repo.FAILING_SHARDS + 2 * due_index.SHARDS + 3, counted


def test_a_busy_health_check_reads_only_the_failing(api):
    # GIVEN 1,000 tenants, 150 integrations that sent in the last 12 hours: 120 fine, 5 failing 9 of 10 (as many as
    # the circuit breaker lets one pass disable), and 25 failing 3 of 10 (below any threshold whatever else they sent)
    senders = default_integrations(1000)[:150]
    quiet = sum(health_pass(api, "quiet")[1].values())
    now = clock.now()
    for n, integration in enumerate(senders):
        failed = 9 if n < 5 else 3 if n < 30 else 0
        counters_repo.count_requests(integration.tenant_id, integration.id, now, 10, failed)
    # WHEN the health check runs
    outcome, counted = health_pass(api, "busy")
    # THEN the 5 are disabled, and the pass read them in one batch on top of the quiet pass's requests, plus
    # their buckets and what disabling each one takes
    assert outcome == {"failing": 30, "checked": 5, "disabled": 5, "warned": 0, "held": 0, "late_runs": 0}
    assert counted["dynamodb.BatchGetItem"] == 1 and counted["dynamodb.Scan"] == 0
    assert not integrations_repo.get(senders[0].tenant_id, senders[0].id).active
    assert integrations_repo.get(senders[5].tenant_id, senders[5].id).active
    per_disable = (sum(counted.values()) - quiet - 1) / 5
    assert per_disable < 25, counted


@pytest.mark.parametrize("tenants", [100, 1000])
def test_a_quiet_hour_of_the_report_scheduler_costs_the_same_at_100_and_1000_tenants(api, tenants):
    # GIVEN 100 or 1,000 tenants whose weekly reports are due at the end of the week
    add_tenants(tenants)
    # WHEN the hourly scheduler fires on a Wednesday
    with aws_requests() as counted:
        outcome = fire(api, "report_scheduler", f"quiet-{tenants}")
    # THEN it asks each shard of the due index once, and nothing else but its idempotency record
    assert outcome == {"jobs": 0, "pages": 0}
    assert counted["dynamodb.Query"] == due_index.SHARDS
    assert sum(counted.values()) <= due_index.SHARDS + 3, counted


def test_a_busy_hour_fans_out_through_the_queue_and_costs_what_is_due(api, frozen_clock, monkeypatch):
    # GIVEN 350 tenants whose weekly report is due at midnight, and invocations that handle 100 schedules each
    add_tenants(350)
    monkeypatch.setattr(scheduler, "PAGE", 100)
    frozen_clock.moment = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)
    jobs: list[dict[str, Any]] = []
    handled: list[int] = []

    def report_worker(event: dict[str, Any]) -> None:
        for record in event["Records"]:
            body = json.loads(record["body"])
            if scheduler.SHARD in body:
                handled.append(api.client.lambda_.invoke("report_worker", {"Records": [record]}).payload)
            else:
                jobs.append(body)

    # WHEN the hourly scheduler fires and the report queue is worked through
    with aws_requests() as counted:
        outcome = fire(api, "report_scheduler", "midnight")
        while poll_once(get_settings().report_queue, report_worker):
            pass
    # THEN every tenant has one job for last week, queued ten per request, and the pages did the rest
    assert len(jobs) == 350 and {(j["frequency"], j["period_key"]) for j in jobs} == {("weekly", "2026-W48")}
    assert len({j["tenant_id"] for j in jobs}) == 350
    invocations = 1 + len(handled)
    assert outcome["jobs"] <= 100 and len(handled) >= 3  # the hourly one, then pages of ≤ 100 each
    sends = counted["sqs.SendMessageBatch"] + counted["sqs.SendMessage"]
    assert sends <= math.ceil(350 / 10) + 2 * invocations, counted
    assert counted["dynamodb.BatchGetItem"] <= math.ceil(350 / 100) + invocations, counted
    # each schedule moved on, each job's run recorded (watched until its mail exists), idempotency
    assert counted["dynamodb.UpdateItem"] <= 2 * 350 + 2 * invocations, counted
    assert counted["dynamodb.Scan"] == 0 and counted["dynamodb.GetItem"] <= 2
    # AND every schedule moved to the next week's end: the next firing is quiet again
    assert fire(api, "report_scheduler", "after") == {"jobs": 0, "pages": 0}
