"""Validation at the edge, per event: a time outside 2000 … now + 1 day, data nested deeper than 32 levels or
larger than 32 KiB is rejected on its own, with the field named, and never holds back the events beside it."""

import json
from typing import Any

import pytest

from chalicelib.aws import security_repo
from chalicelib.clock import EARLIEST, LATEST
from chalicelib.models.events import MAX_DATA_BYTES
from tests.support.api import Api, TenantHandle
from tests.support.checks import scan
from tests.support.pipeline import Pipeline, outbox

VULN = {"id": "v-1", "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
        "data": {"risk": "high", "title": "SQLi in /login", "host": "api.berlin.example"}}
USER = {"id": "u-1", "type": "user.created", "time": "2026-11-25T09:30:00Z",
        "data": {"email": "new@berlin.example", "role": "analyst"}}
FAR_USER = {"id": "far-user", "type": "user.created", "time": "9999-12-31T23:59:59Z", "data": {"email": "x@y.z"}}
FAR_ATTACK = {"id": "far-attack", "type": "attack.detected", "time": "9999-12-31T23:59:59Z",
              "data": {"type": "sqli", "host": "api.berlin.example"}}


def post(tenant: TenantHandle, *events: Any) -> list[dict[str, Any]]:
    status, body = tenant.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202, body
    return body["results"]


def nested(levels: int) -> dict[str, Any]:
    """``levels`` objects inside each other (arrays at every third level), the innermost holding one value."""
    inner: Any = {"value": 1}
    for level in range(levels - 1, 0, -1):
        inner = [inner] if level % 3 == 0 else {"next": inner}
    return inner


def rejection(result: dict[str, Any]) -> tuple[str, str]:
    """The one detail of a rejected event: ``(path, message)``."""
    assert result["status"] == "rejected" and result["error"]["code"] == "validation_failed", result
    [detail] = result["error"]["details"]
    return detail["path"], detail["message"]


@pytest.fixture
def berlin(api: Api) -> TenantHandle:
    tenant = api.tenant("Berlin GmbH", "sec@berlin.example", timezone="Europe/Berlin")
    tenant.integration(name="SOC", emails="soc@berlin.example", events=["system", "vuln"])
    return tenant


def test_far_future_events_are_rejected_and_the_good_ones_beside_them_are_routed_and_mailed(berlin, pipeline):
    # GIVEN a Europe/Berlin tenant and a batch with year-9999 events between good ones
    batch = [VULN, FAR_USER, FAR_ATTACK, USER]
    # WHEN it is posted
    results = post(berlin, *batch)
    # THEN the far-future events are rejected, each naming its time and the window, the others accepted
    assert [(r["id"], r["status"]) for r in results] == [
        ("v-1", "accepted"), ("far-user", "rejected"), ("far-attack", "rejected"), ("u-1", "accepted")]
    for bad in results[1:3]:
        path, message = rejection(bad)
        assert path == "time"
        assert "2000-01-01T00:00:00Z" in message and "2026-11-26T10:00:00Z" in message  # now + 1 day
    pipeline.drain()
    soc = sorted((m.subject, m.text) for m in outbox() if m.to == ["soc@berlin.example"])
    [(user_subject, _), (vuln_subject, vuln_text)] = soc
    assert user_subject.startswith("New user added: new@berlin.example") and "SQLi in /login" in vuln_subject
    assert "2026-11-25 11:00 (Europe/Berlin)" in vuln_text  # rendered in the tenant's zone
    sent = len(outbox())
    # AND a producer retrying the same batch gets duplicate / rejected, never a 500, and nobody a second mail
    again = post(berlin, *batch)
    assert [r["status"] for r in again] == ["duplicate", "rejected", "rejected", "duplicate"]
    pipeline.drain()
    assert len(outbox()) == sent
    # AND the year-9999 attack reached neither the security data nor the events table
    assert security_repo.read(berlin.id, EARLIEST, LATEST).aggregates == []
    assert sorted(item["pk"].split("#")[1] for item in scan("events_table")) == ["u-1", "v-1"]


@pytest.mark.parametrize("time", [
    "1999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-11-26T10:00:01Z",
    "2026-11-27T00:00:00+13:00", 0, 253402300799,
])
def test_times_outside_the_window_are_rejected_on_their_own(berlin, time):
    results = post(berlin, {**USER, "id": "bad", "time": time}, VULN)
    assert rejection(results[0])[0] == "time"
    assert results[1]["status"] == "accepted"


@pytest.mark.parametrize("time", ["2000-01-01T00:00:00Z", "2026-11-26T10:00:00Z", "2026-11-25T10:00:00"])
def test_times_at_the_window_edges_and_without_offset_are_accepted(berlin, time):
    assert post(berlin, {**USER, "time": time})[0]["status"] == "accepted"


def test_an_event_from_the_future_is_accepted_once_its_day_has_come(berlin, frozen_clock):
    tomorrow = {**USER, "time": "2026-11-27T09:00:00Z"}
    assert post(berlin, tomorrow)[0]["status"] == "rejected"
    frozen_clock.advance(days=1)
    assert post(berlin, tomorrow)[0]["status"] == "accepted"


@pytest.mark.parametrize("levels", [33, 300])
def test_data_nested_deeper_than_32_levels_is_rejected_on_its_own(berlin, pipeline, levels):
    deep = {**USER, "id": "deep", "data": nested(levels)}
    results = post(berlin, deep, VULN)
    assert rejection(results[0]) == (
        "data", f"Value error, is nested {levels} levels deep (objects and arrays); at most 32 are allowed")
    assert results[1]["status"] == "accepted"
    pipeline.drain()
    [mail] = [m for m in outbox() if m.to == ["soc@berlin.example"]]
    assert "Vulnerability: SQLi in /login" in mail.subject


def test_data_of_32_levels_is_accepted_stored_and_mailed(berlin, pipeline):
    data = {**nested(32), "email": "deep@berlin.example"}
    assert post(berlin, {**USER, "data": data})[0]["status"] == "accepted"
    [item] = scan("events_table")
    assert json.loads(item["event"])["data"] == data  # a JSON string: DynamoDB never sees its nesting
    pipeline.drain()
    assert any(m.subject.startswith("New user added: deep@berlin.example") for m in outbox())


def test_data_larger_than_32_kib_is_rejected_on_its_own(berlin):
    padding = len(json.dumps({"note": ""}, separators=(",", ":")))
    too_big = {**USER, "id": "big", "data": {"note": "x" * (MAX_DATA_BYTES - padding + 1)}}
    results = post(berlin, too_big, VULN)
    assert rejection(results[0]) == ("data", f"Value error, is {MAX_DATA_BYTES + 1} bytes as JSON; at most "
                                             f"{MAX_DATA_BYTES} are allowed")
    assert results[1]["status"] == "accepted"
    assert post(berlin, {**too_big, "data": {"note": "x" * (MAX_DATA_BYTES - padding)}})[0]["status"] == "accepted"


def test_fractional_numbers_in_data_are_stored(berlin):
    assert post(berlin, {**USER, "data": {"email": "a@b.c", "score": 0.75, "ratio": [1.5, 2]}})[0] == {
        "id": "u-1", "status": "accepted", "error": None}


def test_eventbridge_rejects_the_same_events_without_failing(api, berlin, pipeline: Pipeline):
    def invoke(detail: dict[str, Any], detail_type: str = "user.created") -> dict[str, Any]:
        event = api.client.events.generate_cw_event(source="security.platform", detail_type=detail_type,
                                                    resources=[], detail={"tenant_id": berlin.id, **detail})
        [result] = api.client.lambda_.invoke("platform_events", event).payload["results"]
        return result

    assert rejection(invoke({"id": "eb-far", "time": "9999-12-31T23:59:59Z", "data": {}}))[0] == "time"
    assert rejection(invoke({"id": "eb-deep", "data": nested(300)}))[0] == "data"
    assert invoke({"id": "eb-ok", "data": {"email": "eb@berlin.example"}})["status"] == "accepted"
