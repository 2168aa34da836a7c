"""Only the platform's event types come in from outside, and no id a producer posts can claim one of our own notices.

An ingest token posting ``integration.disabled`` (or any type of the service's or a trigger's) is refused, from
the API and from EventBridge, and nothing is stored or mailed; a producer posting the very ids our deletion and
unsubscribe notices use first does not swallow them."""

import json
from typing import Any

import pytest

from chalicelib.models.events import EVENTS, OWN_ID_PREFIX
from tests.support.api import TenantHandle
from tests.support.checks import scan
from tests.support.pipeline import Pipeline, outbox
from tests.support.unsubscribe import link, page

OURS = [event_type for event_type, kind in EVENTS.items() if kind.origin != "platform"]
TIME = "2026-11-25T09:00:00Z"


def forged(event_type: str, event_id: str = "forged-1") -> dict[str, Any]:
    return {"id": event_id, "type": event_type, "time": TIME,
            "data": {"integration_id": "x", "name": "SOC", "reason": "visit http://evil.example"}}


@pytest.fixture
def soc(acme: TenantHandle) -> dict[str, Any]:
    return acme.integration(name="SOC", emails="soc@acme.io", events=["system"])


@pytest.mark.parametrize("event_type", OURS)
def test_the_api_refuses_every_type_of_our_own_saying_why(acme, soc, pipeline, event_type):
    # WHEN an ingest token posts a notice of the service's own, beside a good platform event
    ingest = acme.token_for("ingest")
    good = {"id": "u-1", "type": "user.created", "time": TIME, "data": {"email": "new@acme.io"}}
    status, body = acme.call("POST", "/v1/events", {"events": [forged(event_type), good]}, token=ingest)
    pipeline.drain()

    # THEN it alone is rejected, naming the type as ours and the types a producer may send
    assert status == 202, body
    rejected, accepted = body["results"]
    assert (rejected["status"], accepted["status"]) == ("rejected", "accepted")
    [detail] = rejected["error"]["details"]
    assert detail["path"] == "type" and f"'{event_type}' is emitted by this service alone" in detail["message"]
    assert "user.created" in detail["message"]
    # AND nothing of it is stored or mailed: only the good event is
    assert [json.loads(row["event"])["type"] for row in scan("events_table")] == ["user.created"]
    assert {mail.subject for mail in outbox()} == {"New user added: new@acme.io"}
    assert sorted(mail.to[0] for mail in outbox()) == ["sec@acme.io", "soc@acme.io"]


@pytest.mark.parametrize("event_type", [*OURS, "integration.anything", "no.such_type"])
def test_eventbridge_refuses_them_too(api, acme, soc, pipeline, event_type):
    event = api.client.events.generate_cw_event(source="security.platform", detail_type=event_type, resources=[],
                                                detail={"tenant_id": acme.id, **forged(event_type)})

    [result] = api.client.lambda_.invoke("platform_events", event).payload["results"]
    pipeline.drain()

    assert result["status"] == "rejected" and result["error"]["details"][0]["path"] == "type"
    assert scan("events_table") == [] and outbox() == []


@pytest.mark.parametrize("event_id", [f"{OWN_ID_PREFIX}deleted-{{id}}", "svc#x", "a#b"])
def test_a_producer_cannot_post_an_id_of_our_namespace(acme, event_id):
    event = {"id": event_id, "type": "user.created", "time": TIME, "data": {}}
    status, body = acme.call("POST", "/v1/events", {"events": [event]})

    assert status == 202 and body["results"][0]["status"] == "rejected"
    assert body["results"][0]["error"]["details"][0]["path"] == "id"
    assert scan("events_table") == []


def claim_every_id_shape(acme: TenantHandle, integration_id: str) -> None:
    """A producer posts, first, every id our notices about ``integration_id`` could take, bare or prefixed."""
    names = [f"deleted-{integration_id}", *(f"unsubscribed-{integration_id}-{version}" for version in range(1, 6))]
    ids = [shape.format(name) for name in names for shape in ("{}", "svc-{}", "svc:{}", "svc.{}")]
    events = [{"id": event_id, "type": "user.created", "time": TIME, "data": {"email": "x@acme.io"}}
              for event_id in ids]
    status, body = acme.call("POST", "/v1/events", {"events": events})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body


def test_a_producer_posting_our_notices_ids_first_does_not_swallow_the_deletion_notice(acme, soc, pipeline):
    claim_every_id_shape(acme, soc["id"])
    pipeline.drain()
    before = len(outbox())

    assert acme.call("DELETE", f"/v1/integrations/{soc['id']}")[0] == 204
    pipeline.drain()

    notices = sorted((mail.to, mail.subject) for mail in outbox()[before:])
    assert notices == [(["sec@acme.io"], "Integration deleted: SOC"), (["soc@acme.io"], "Integration deleted: SOC")]


def test_a_producer_posting_our_notices_ids_first_does_not_swallow_the_unsubscribe_notice(
        api, acme, pipeline: Pipeline) -> None:

    team = acme.integration(name="Team", emails="ann@acme.io, bob@acme.io", events=["system", "vuln"])
    watcher = acme.integration(name="Watch", emails="watch@acme.io", events=["system"])
    claim_every_id_shape(acme, team["id"])
    acme.call("POST", "/v1/events", {"events": [
        {"id": "v-1", "type": "vulnerability.detected", "time": TIME, "data": {"risk": "high", "title": "SQLi"}}]})
    pipeline.drain()
    [mail] = [m for m in outbox() if m.to == ["ann@acme.io"] and "SQLi" in m.subject]
    before = len(outbox())

    assert page(api, "POST", link(mail))[0] == 200
    pipeline.drain()

    notices = [m.to for m in outbox()[before:] if m.subject == "Recipient unsubscribed from Team"]
    assert watcher and ["watch@acme.io"] in notices
