"""Data safety: deleting an integration removes exactly its configuration and stops its pending
deliveries; writes that must not clobber are conditional, proven with concurrent threads."""

from collections import Counter
from typing import Any

from chalicelib import clock
from chalicelib.auth import Caller
from chalicelib.aws import deliveries_repo, integrations_repo, tenants_repo
from chalicelib.delivery import worker
from chalicelib.integrations import service
from chalicelib.models.integrations import IntegrationUpdate
from chalicelib.models.tenants import TenantUpdate
from chalicelib.settings import get_settings
from chalicelib.tenants import service as tenant_service
from chalicelib.wiring import stores
from local.pollers import poll_once
from tests.support.api import Api, TenantHandle
from tests.support.checks import scan
from tests.support.concurrency import concurrently, widen_race_window
from tests.support.pipeline import outbox
from tests.support.world import snapshot

VULN = {"id": "e-1", "type": "vulnerability.detected", "time": "2026-11-25T09:00:00Z",
        "data": {"risk": "high", "title": "SQLi in /login", "host": "api.acme.io"}}


def post_events(tenant: TenantHandle, *events: dict[str, Any]) -> None:
    status, body = tenant.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body


def without(rows: list[dict[str, Any]], drop: Any) -> list[dict[str, Any]]:
    return [row for row in rows if not drop(row)]


# --- delete -------------------------------------------------------------------------------------


def test_deleting_an_integration_removes_its_configuration_skips_its_pending_deliveries_and_nothing_else(
        acme: TenantHandle, globex: TenantHandle, pipeline: Any, flaky_ses: Any) -> None:
    # GIVEN Acme's integration SOC with deliveries waiting for a retry, and other data of Acme and Globex
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    ops = acme.integration(name="Ops", emails="ops@acme.io", events=["scope"])
    acme.token_for("viewer")
    assert acme.call("POST", "/v1/reports/preview", {"frequency": "daily"})[0] == 200
    globex.integration(name="SOC", emails="soc@globex.example", events=["vuln_high"])
    default = next(i for i in acme.call("GET", "/v1/integrations")[1]["items"] if i["name"] == "Primary email")
    acme.call("POST", f"/v1/integrations/{default['id']}/disable")  # so only SOC gets the vulnerabilities
    pipeline.drain()
    flaky_ses.fail_next(2)
    post_events(acme, VULN, {**VULN, "id": "e-2"})
    poll_once(get_settings().delivery_queue, pipeline.worker)  # the first tries fail
    pending = [d for d in pipeline.deliveries() if d["integration_id"] == soc["id"]]
    assert sorted(d["status"] for d in pending) == ["retrying", "retrying"]
    acme_before, globex_before = snapshot(acme.id), snapshot(globex.id)
    # WHEN SOC is deleted and the queue runs dry
    assert acme.call("DELETE", f"/v1/integrations/{soc['id']}")[0] == 204
    pipeline.drain()
    # THEN its configuration is gone (item and name claim), and Ops can take its name
    after = snapshot(acme.id)
    assert not [row for row in after["integrations_table"] if soc["id"] in (row["sk"][4:], row.get("integration_id"))]
    # AND its pending deliveries ended skipped, with the reason, and sent nothing
    skipped = {d["id"]: d for d in pipeline.deliveries() if d["integration_id"] == soc["id"]}
    assert {d["status"] for d in skipped.values()} == {"skipped"}
    assert {d["reason"] for d in skipped.values()} == {"the integration was deleted"}
    assert "soc@acme.io" not in {address for mail in outbox() for address in mail.to}
    # AND its place under the cap is free: the tenant counts two integrations, not three
    assert [row["n"] for row in after["integrations_table"] if row["sk"] == "count"] == [2]
    # AND nothing else of Acme changed: same tokens, tenant, reports, other integrations, other deliveries
    def is_soc(row: dict[str, Any]) -> bool:
        return (soc["id"] in (row.get("integration_id"), row.get("sk", "")[4:])
                or row.get("sk") in ("name#soc", "count"))

    def is_notice(row: dict[str, Any]) -> bool:  # the event announcing the deletion, and its (skipped) deliveries
        return ('"type":"integration.deleted"' in row.get("event", "")  # the events table keeps JSON strings
                or row.get("event_type") == "integration.deleted")

    for table, rows in acme_before.items():
        assert without(after[table], lambda r: is_soc(r) or is_notice(r)) == without(rows, is_soc), table
    # AND Globex is untouched
    assert snapshot(globex.id) == globex_before
    assert acme.call("PATCH", f"/v1/integrations/{ops['id']}", {"name": "SOC"})[0] == 200


# --- races ------------------------------------------------------------------------------------------


def test_concurrent_creates_of_one_name_make_exactly_one_integration(api: Api, acme: TenantHandle) -> None:
    body = {"name": "SOC", "emails": "soc@acme.io"}
    results = concurrently([lambda: api.call("POST", "/v1/integrations", acme.token, body)[:2]] * 6)
    assert Counter(status for status, _ in results) == {201: 1, 409: 5}
    names = [row["sk"] for row in scan("integrations_table") if row["tenant_id"] == acme.id]
    assert names.count("name#soc") == 1 and len(names) == 5  # the default and SOC, each an item and a claim; count


def test_concurrent_renames_to_one_name_leave_exactly_one_holder(api: Api, acme: TenantHandle) -> None:
    first, second = acme.integration(name="A", emails="a@acme.io"), acme.integration(name="B", emails="b@acme.io")
    calls = [lambda i=i: api.call("PATCH", f"/v1/integrations/{i['id']}", acme.token, {"name": "SOC"})[:2]
             for i in (first, second)]
    results = concurrently(calls)
    assert sorted(status for status, _ in results) == [200, 409]
    names = sorted(row["sk"] for row in scan("integrations_table") if row["sk"].startswith("name#")
                   and row["tenant_id"] == acme.id)
    assert names == sorted(["name#primary email", "name#soc", "name#a" if results[1][0] == 200 else "name#b"])


def test_concurrent_patches_of_different_fields_lose_none(acme: TenantHandle, monkeypatch: Any) -> None:
    # GIVEN an integration; three admins each change one field at the same moment, all reading it first
    integration = acme.integration(name="SOC", emails="a@acme.io", events=["system"])
    widen_race_window(monkeypatch, integrations_repo, "get")
    patches = [IntegrationUpdate(name="Renamed"), IntegrationUpdate(emails=["z@acme.io"]),
               IntegrationUpdate(events=["vuln_high", "scope"])]
    concurrently([lambda p=p: service.update(stores(), acme.id, integration["id"], p) for p in patches])
    # THEN every change is there
    stored = acme.call("GET", f"/v1/integrations/{integration['id']}")[1]
    assert (stored["name"], stored["emails"], stored["events"]) == ("Renamed", ["z@acme.io"], ["vuln_high", "scope"])


def test_concurrent_tenant_patches_of_different_fields_lose_none(acme: TenantHandle, monkeypatch: Any) -> None:
    caller = Caller(acme.id, "admin", "t")
    widen_race_window(monkeypatch, tenants_repo, "get")
    patches = [TenantUpdate(name="Acme Corp"), TenantUpdate(timezone="Asia/Tokyo"),
               TenantUpdate(primary_email="soc@acme.io")]
    concurrently([lambda p=p: tenant_service.update_tenant(stores(), caller, p) for p in patches])
    stored = acme.call("GET", "/v1/tenant")[1]
    assert (stored["name"], stored["timezone"], stored["primary_email"]) == ("Acme Corp", "Asia/Tokyo", "soc@acme.io")


def test_concurrent_claims_of_one_try_send_exactly_once(acme: TenantHandle, pipeline: Any, monkeypatch: Any) -> None:
    # GIVEN one delivery whose first try is due
    post_events(acme, VULN)
    [delivery] = pipeline.deliveries()
    message = {"tenant_id": acme.id, "delivery_id": delivery["id"], "try": 1, "due": clock.now().isoformat()}
    # WHEN eight workers get the same message at the same moment, all reading the delivery first
    widen_race_window(monkeypatch, deliveries_repo, "get")
    outcomes = concurrently([lambda: _try(message)] * 8)
    pipeline.drain()
    # THEN exactly one email went out and one attempt is recorded; the others saw a claimed try
    assert len(outbox()) == 1
    [stored] = pipeline.deliveries()
    assert stored["status"] == "sent" and len(stored["attempts"]) == 1
    assert outcomes.count("in flight") + outcomes.count("done") == 8


def _try(message: dict[str, Any]) -> str:
    try:
        worker.process(dict(message))
    except worker.TryInFlight:
        return "in flight"
    return "done"


def test_concurrent_redrives_of_a_dead_delivery_send_it_once(api: Api, acme: TenantHandle, pipeline: Any,
                                                             flaky_ses: Any) -> None:
    from chalicelib.delivery.schedule import MAX_TRIES

    flaky_ses.fail_next(MAX_TRIES)
    post_events(acme, VULN)
    pipeline.drain()
    [dead] = pipeline.deliveries()
    assert dead["status"] == "dead"
    results = concurrently([lambda: api.call("POST", f"/v1/deliveries/{dead['id']}/redrive", acme.token)[:2]] * 4)
    assert sorted(status for status, _ in results) == [200, 409, 409, 409]
    pipeline.drain()
    assert len(outbox()) == 1


def test_concurrent_deletes_remove_once_and_announce_once(api: Api, acme: TenantHandle, pipeline: Any,
                                                         monkeypatch: Any) -> None:
    # GIVEN an integration; the default integration subscribes to system notices
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    widen_race_window(monkeypatch, integrations_repo, "get")
    # WHEN two admins delete it at the same moment
    results = concurrently([lambda: api.call("DELETE", f"/v1/integrations/{soc['id']}", acme.token)[:2]] * 2)
    pipeline.drain()
    # THEN one deleted it, the other found nothing, and the system subscribers were told once
    assert sorted(status for status, _ in results) == [204, 404]
    assert [mail.subject for mail in outbox()] == ["Integration deleted: SOC"]
