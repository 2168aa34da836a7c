"""The console's snooze of a trigger for a whole integration (an admin's): each offered length holds mail that long,
and a form the page does not offer (an unknown length, a missing or foreign trigger or integration) is refused and
changes nothing."""

from datetime import datetime

import pytest

from chalicelib import clock
from chalicelib.models.snoozes import LENGTHS
from tests.support.api import TenantHandle
from tests.support.console import Browser, primary_id


def _trigger(tenant: TenantHandle) -> str:
    status, body = tenant.call("POST", "/v1/triggers", {
        "name": "Spikes", "integration_ids": [primary_id(tenant)],
        "condition": {"type": "threshold", "metric": "attacks", "interval": "hour", "threshold": 100}})
    assert status == 201, body
    return body["id"]


def _snoozes(tenant: TenantHandle) -> list[dict]:
    status, body = tenant.call("GET", "/v1/snoozes")
    assert status == 200, body
    return body["items"]


@pytest.mark.parametrize("duration", sorted(LENGTHS))
def test_each_offered_length_snoozes_the_trigger_for_every_recipient_that_long(admin: Browser, acme: TenantHandle,
                                                                              duration: str) -> None:
    trigger_id = _trigger(acme)
    page = admin.get("/console/snoozes")
    assert f'<option value="{duration}">{LENGTHS[duration].words}</option>' in page.body

    done = admin.post("/console/snoozes", {"csrf": page.csrf, "trigger_id": trigger_id,
                                           "integration_id": primary_id(acme), "duration": duration})

    assert done.status == 303
    [made] = _snoozes(acme)
    assert (made["address"], made["kind"], made["label"]) == (None, "snooze", "Trigger “Spikes”")
    assert datetime.fromisoformat(made["until"]) == clock.now() + LENGTHS[duration].delta


@pytest.mark.parametrize(("change", "status"), [
    ("length 2y", 422), ("no length", 422), ("no trigger", 400), ("unknown trigger", 404), ("no integration", 400),
    ("unknown integration", 404), ("another tenant's integration", 404)])
def test_a_form_the_page_does_not_offer_is_refused_and_snoozes_nothing(admin: Browser, acme: TenantHandle,
                                                                       globex: TenantHandle, change: str,
                                                                       status: int) -> None:
    trigger_id = _trigger(acme)
    page = admin.get("/console/snoozes")
    form = {"csrf": page.csrf, "trigger_id": trigger_id, "integration_id": primary_id(acme), "duration": "1h"}
    form.update({"length 2y": {"duration": "2y"}, "no length": {"duration": ""}, "no trigger": {"trigger_id": ""},
                 "unknown trigger": {"trigger_id": "00000000-0000-4000-8000-000000000000"},
                 "no integration": {"integration_id": ""},
                 "unknown integration": {"integration_id": "00000000-0000-4000-8000-000000000000"},
                 "another tenant's integration": {"integration_id": primary_id(globex)}}[change])

    refused = admin.post("/console/snoozes", form)

    assert refused.status == status, (refused.status, refused.body[:300])
    if change.startswith("length") or change == "no length":
        assert "choose how long to snooze: 1 hour, 1 day or 1 week" in refused.body
    assert _snoozes(acme) == [] and _snoozes(globex) == []
