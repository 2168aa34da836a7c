"""DELETE /v1/tenants/{id} (operator): the tenant's tokens stop at once, its data is removed or expires,
and nothing is sent for it afterwards, whatever was queued; other tenants are untouched."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import clock
from chalicelib.aws import blobs, queue, tenant_data
from chalicelib.aws.clients import client
from chalicelib.models.suppressions import Suppression
from chalicelib.resources import TABLES, TenantData
from chalicelib.settings import get_settings
from chalicelib.suppressions import service as suppressions
from local.pollers import poll_once
from tests.support.api import OPERATOR, Api, TenantHandle
from tests.support.checks import assert_error, scan
from tests.support.clock import FrozenClock
from tests.support.pipeline import FlakySes, Pipeline, outbox
from tests.support.world import snapshot

UNKNOWN = "00000000-0000-4000-8000-000000000000"
AT = "2026-11-25T09:30:00Z"
PURGED = (TenantData.BY_INDEX, TenantData.PARTITION, TenantData.PARTITIONS)  # what the purge empties now
VULN = {"id": "v-1", "type": "vulnerability.detected", "time": AT, "data": {"risk": "high", "title": "SQLi"}}


def operator(api: Api, method: str, path: str) -> tuple[int, Any]:
    status, body, _ = api.call(method, path, headers=OPERATOR)
    return status, body


def give_data(tenant: TenantHandle, domain: str, events: list[str]) -> dict[str, Any]:
    """A tenant with something of every kind: tokens, integrations, a trigger, events, security data, a
    preview, a suppression; returns its SOC integration (subscribed to ``events``) and viewer token."""
    soc = tenant.integration(name="SOC", emails=f"soc@{domain}", events=events)
    viewer = tenant.token_for("viewer")
    status, created = tenant.call("POST", "/v1/triggers", {"name": "New users", "integration_ids": [soc["id"]],
                                                           "condition": {"type": "user_added"}})
    assert status == 201, created
    events = [
        {"id": "a-1", "type": "attack.detected", "time": AT, "data": {"type": "sqli", "host": f"api.{domain}"}},
        VULN,
        {"id": "i-1", "type": "incident.detected", "time": AT, "data": {"title": "Breach"}},
        {"id": "u-1", "type": "user.created", "time": AT, "data": {"email": f"eve@{domain}", "role": "admin"}},
    ]
    status, body = tenant.call("POST", "/v1/events", {"events": events})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body
    assert tenant.call("POST", "/v1/reports/preview", {"frequency": "daily"})[0] == 200
    suppressions.add(tenant.id, Suppression(email=f"gone@{domain}", reason="bounce", detail="hard bounce",
                                            created_at=clock.now()))
    return {"soc": soc, "viewer": viewer}


def report_keys(tenant_id: str) -> list[str]:
    listed = blobs.client().list_objects_v2(Bucket=get_settings().reports_bucket)
    return [item["Key"] for item in listed.get("Contents", []) if tenant_id in item["Key"]]


def queued(queue_name: str) -> int:
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue.queue_url(queue_name),
                                                    AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def run_everything(api: Api, pipeline: Pipeline, frozen_clock: FrozenClock) -> None:
    """Every queue until it is empty, with time moving on: report jobs, trigger groups, deliveries."""
    frozen_clock.advance(seconds=get_settings().trigger_group_seconds + 1)
    for queue_name, function in ((get_settings().report_queue, "report_worker"),
                                 (get_settings().trigger_queue, "trigger_groups")):
        while poll_once(queue_name, lambda event, f=function: api.client.lambda_.invoke(f, event).payload):
            pass
    pipeline.drain()


@pytest.fixture
def doomed(api: Api, acme: TenantHandle, globex: TenantHandle, pipeline: Pipeline, flaky_ses: FlakySes,
           frozen_clock: FrozenClock) -> dict[str, Any]:
    """Acme and Globex with data of every kind, all sent; then, queued for Acme only: retries of failed
    deliveries, a disable notice to the integration itself (sent whatever the integration's state), a trigger
    group's flush and a scheduled report's job."""
    made = give_data(acme, "acme.io", ["system", "vuln_high", "report_daily"])
    give_data(globex, "globex.example", ["system", "vuln_high"])
    run_everything(api, pipeline, frozen_clock)
    flaky_ses.fail_next(100)
    status, body = acme.call("POST", "/v1/events", {"events": [
        {**VULN, "id": "v-2"}, {"id": "u-2", "type": "user.created", "time": AT, "data": {"email": "bob@acme.io"}}]})
    assert status == 202, body
    poll_once(get_settings().delivery_queue, pipeline.worker)  # every first try fails: retries are queued
    acme.call("POST", f"/v1/integrations/{made['soc']['id']}/disable")
    pending = {(d["status"], d.get("bypass_active", False)) for d in pipeline.deliveries() if d["tenant_id"] == acme.id}
    assert {("retrying", False), ("queued", True)} <= pending  # retries, and a notice bypassing the integration
    frozen_clock.moment = datetime(2026, 11, 26, 0, 5, tzinfo=UTC)
    acme.call("POST", f"/v1/integrations/{made['soc']['id']}/enable")  # subscribed to the daily report again
    api.client.lambda_.invoke("report_scheduler", {"id": "s-1", "detail-type": "Scheduled Event",
                                                   "source": "aws.events", "account": "123456789012",
                                                   "time": "2026-11-26T00:05:00Z", "region": "us-east-1",
                                                   "resources": [], "detail": {}, "version": "0"})
    assert queued(get_settings().report_queue) == 1 and queued(get_settings().trigger_queue) == 1
    flaky_ses.failures.clear()
    return made


def test_deleting_a_tenant_stops_its_tokens_removes_its_data_and_sends_nothing(
        api: Api, acme: TenantHandle, globex: TenantHandle, doomed: dict[str, Any], pipeline: Pipeline,
        frozen_clock: FrozenClock) -> None:
    # GIVEN everything of Globex as it is
    globex_before, sent_before = snapshot(globex.id), len(outbox())
    emptied = {table.setting for table in TABLES if table.tenant_data in PURGED}
    assert [table for table, rows in snapshot(acme.id).items() if table in emptied and not rows] == []
    assert report_keys(acme.id) and report_keys(globex.id)
    # WHEN the operator deletes Acme
    assert operator(api, "DELETE", f"/v1/tenants/{acme.id}") == (204, None)
    # THEN Acme's admin and viewer tokens are refused on the very next request
    for token in (acme.token, doomed["viewer"]):
        assert_error(acme.call("GET", "/v1/integrations", token=token), 401, "unauthorized")
    # AND whatever was queued for Acme (retries, the disable notice, the trigger group, the report job) sends
    # nothing and renders no report, even a day later
    run_everything(api, pipeline, frozen_clock)
    frozen_clock.advance(days=1)
    run_everything(api, pipeline, frozen_clock)
    assert len(outbox()) == sent_before
    # AND only a tombstone (no name, no address) is left of Acme, except event ids, which expire within days
    after = snapshot(acme.id)
    assert after.pop("tenants_table") == [{"id": acme.id, "deleted_at": "2026-11-26T00:05:00Z",
                                           "created_at": "2026-11-25T10:00:00Z"}]
    events = after.pop("events_table")
    assert events and all(row["expires_at"] <= (clock.now() + timedelta(days=7)).timestamp() for row in events)
    assert {table: rows for table, rows in after.items() if rows} == {}  # every other table declared to hold some
    assert report_keys(acme.id) == []
    # AND what the counters table holds of Acme (rate limits, send counts, trigger windows) expires within days
    counters = [row for row in scan("counters_table") if acme.id in row["key"]]
    assert counters and all(row["expires_at"] <= (clock.now() + timedelta(days=2)).timestamp() for row in counters)
    # AND Globex is untouched and works
    assert snapshot(globex.id) == globex_before and report_keys(globex.id)
    assert globex.call("GET", "/v1/integrations")[0] == 200


def test_an_interrupted_deletion_already_stops_everything_and_a_repeat_finishes_it(
        api: Api, acme: TenantHandle, doomed: dict[str, Any], pipeline: Pipeline, frozen_clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a deletion that stops right after the tombstone, before any row was removed
    sent_before = len(outbox())
    waiting = [d["id"] for d in pipeline.deliveries() if d["tenant_id"] == acme.id and d["status"] != "sent"]
    with monkeypatch.context() as patch:
        patch.setattr(tenant_data, "purge", lambda tenant_id: {})
        assert operator(api, "DELETE", f"/v1/tenants/{acme.id}") == (204, None)
    assert snapshot(acme.id)["integrations_table"]
    # THEN the tokens already stop, and every pending delivery is skipped as the tenant's, sending nothing
    assert_error(acme.call("GET", "/v1/tenant"), 401, "unauthorized")
    pipeline.drain()
    ended = [d for d in pipeline.deliveries() if d["id"] in waiting]
    assert len(ended) >= 4 and {(d["status"], d["reason"]) for d in ended} == {("skipped", "the tenant was deleted")}
    assert len(outbox()) == sent_before
    # AND deleting it again removes what is left
    assert operator(api, "DELETE", f"/v1/tenants/{acme.id}") == (204, None)
    assert [rows for table, rows in snapshot(acme.id).items() if rows and table not in
            ("tenants_table", "events_table")] == []


def test_the_operators_calls_for_an_unknown_or_deleted_tenant(api: Api, acme: TenantHandle) -> None:
    # an unknown tenant: 404 for both operations
    assert_error(operator(api, "DELETE", f"/v1/tenants/{UNKNOWN}"), 404, "not_found")
    assert_error(operator(api, "POST", f"/v1/tenants/{UNKNOWN}/tokens"), 404, "not_found")
    # a deleted tenant gets no new token, and nothing recreates it
    assert operator(api, "DELETE", f"/v1/tenants/{acme.id}")[0] == 204
    assert_error(operator(api, "POST", f"/v1/tenants/{acme.id}/tokens"), 404, "not_found")
    assert scan("tokens_table") == []
    # and only the operator deletes tenants
    globex = api.tenant("Globex", "it@globex.example")
    assert_error(globex.call("DELETE", f"/v1/tenants/{globex.id}"), 401, "unauthorized")
    assert globex.call("GET", "/v1/tenant")[0] == 200
