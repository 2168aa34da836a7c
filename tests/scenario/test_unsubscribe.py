"""Standard list headers on every mail kind and one-click unsubscribe (RFC 8058), read from the raw MIME in moto's
SES: each recipient's link removes only that address from that integration; GET and bad links change nothing."""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.settings import get_settings
from tests.support.api import OPERATOR, Api, TenantHandle
from tests.support.checks import integration_items
from tests.support.clock import FrozenClock
from tests.support.events import attacks, threshold, trigger
from tests.support.pipeline import Pipeline, outbox
from tests.support.unsubscribe import headers, link, page


def mails_to(address: str, subject_part: str = "") -> list[Any]:
    return [m for m in outbox() if m.to == [address] and subject_part in m.subject]


def vuln(event_id: str, risk: str = "high") -> dict[str, Any]:
    return {"id": event_id, "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
            "data": {"risk": risk, "title": f"Finding {event_id}", "host": "api.acme.io"}}


def post_events(tenant: TenantHandle, *events: dict[str, Any]) -> None:
    status, body = tenant.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202, body



def stored(tenant: TenantHandle) -> list[dict[str, Any]]:
    return integration_items(tenant.id)


def test_every_mail_kind_carries_the_list_headers_and_each_recipient_its_own_link(
        acme: TenantHandle, pipeline: Pipeline, frozen_clock: FrozenClock, fire: Any) -> None:
    # GIVEN an integration with two recipients subscribed to everything, and a trigger on it
    soc = acme.integration(name="SOC", emails="ann@acme.io, bob@acme.io",
                           events=["system", "vuln", "scope", "report_daily"])
    trigger(acme, [soc["id"]], threshold(1))
    # WHEN a notification, a system notice, a trigger alert, a report and Test integration's samples go out
    post_events(acme, vuln("v1"), {"id": "u1", "type": "user.created", "time": "2026-11-25T10:00:00Z",
                                   "data": {"email": "eve@acme.io", "role": "viewer"}})
    attacks(acme, 2)
    pipeline.drain()
    fire(datetime(2026, 11, 26, 0, 30, tzinfo=UTC))
    assert acme.call("POST", f"/v1/integrations/{soc['id']}/test")[0] == 200
    # THEN each kind reached each recipient in a message of its own with the four headers
    kinds = {"notification": "[High]", "system": "New user added", "alert": "Trigger",
             "report": "report", "test": "[Test message]"}
    list_id = f"Email Report <{soc['id']}.{acme.id}.email-report.local>"
    for kind, part in kinds.items():
        for address in ("ann@acme.io", "bob@acme.io"):
            found = mails_to(address, part)
            assert found, (kind, address)
            for mail in found:
                got = headers(mail)
                assert got["Auto-Submitted"] == "auto-generated", kind
                assert got["List-Id"] == list_id, kind
                assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", kind
                url = str(got["List-Unsubscribe"])[1:-1]
                # the footer's visible link is this recipient's own, in both parts
                assert f"Unsubscribe this address from this integration: {url}" in mail.text, kind
                assert f'<a href="{url}" style="color:#3b6fd8;">Unsubscribe</a>' in mail.html, kind
                assert "%%unsubscribe-link%%" not in mail.text + mail.html, kind
    # AND the links differ per recipient
    assert link(mails_to("ann@acme.io", "[High]")[0]) != link(mails_to("bob@acme.io", "[High]")[0])


def test_a_draft_test_says_it_is_a_draft_and_offers_no_unsubscribe(acme: TenantHandle) -> None:
    status, result = acme.call("POST", "/v1/integrations/test", {"name": "Draft", "emails": "d@acme.io",
                                                                 "events": ["system"]})
    assert status == 200 and result["ok"], result
    [mail] = mails_to("d@acme.io")
    got = headers(mail)
    assert got["Auto-Submitted"] == "auto-generated"
    assert got["List-Id"] == f"Email Report <draft.{acme.id}.email-report.local>"
    assert got["List-Unsubscribe"] is None and got["List-Unsubscribe-Post"] is None
    assert "Unsubscribe" not in mail.text + mail.html and "%%unsubscribe-link%%" not in mail.text + mail.html


@pytest.fixture
def world(api: Api, acme: TenantHandle, pipeline: Pipeline) -> dict[str, Any]:
    """ann@ on two integrations of Acme and on one of Globex; one vulnerability mailed to all."""
    soc = acme.integration(name="SOC", emails="ann@acme.io, bob@acme.io", events=["system", "vuln"])
    ops = acme.integration(name="Ops", emails="ann@acme.io", events=["system", "vuln"])
    globex = api.tenant("Globex", "sec@globex.example")
    other = globex.integration(name="SOC", emails="ann@acme.io", events=["vuln"])
    post_events(acme, vuln("v1"))
    post_events(globex, vuln("g1"))
    pipeline.drain()
    by_list = {str(headers(m)["List-Id"]).split("<")[1].split(".")[0]: m for m in mails_to("ann@acme.io")}
    return {"soc": soc, "ops": ops, "globex": globex, "other": other, "ann": link(by_list[soc["id"]]),
            "bob": link(mails_to("bob@acme.io")[0])}


def test_get_shows_a_page_and_changes_nothing(api: Api, acme: TenantHandle, world: dict[str, Any]) -> None:
    before = stored(acme)
    status, body = page(api, "GET", world["ann"])
    assert status == 200
    assert "ann@acme.io" in body and "SOC" in body and "Acme" in body and 'method="post"' in body
    assert stored(acme) == before


def test_post_removes_only_that_address_of_that_integration_and_tells_system_subscribers(
        api: Api, acme: TenantHandle, world: dict[str, Any], pipeline: Pipeline, frozen_clock: FrozenClock) -> None:
    globex_before = stored(world["globex"])
    # WHEN ann uses her one-click link from SOC's mail, without cookies
    status, body = page(api, "POST", world["ann"])
    # THEN she is off SOC at once, with when; Ops (same address) and the other tenant keep her
    assert status == 200 and "You are unsubscribed" in body and "ann@acme.io" in body
    soc = acme.call("GET", f"/v1/integrations/{world['soc']['id']}")[1]
    assert soc["emails"] == ["bob@acme.io"]
    assert soc["unsubscribed"] == [{"address": "ann@acme.io", "at": "2026-11-25T10:00:00Z"}]
    assert acme.call("GET", f"/v1/integrations/{world['ops']['id']}")[1]["emails"] == ["ann@acme.io"]
    assert stored(world["globex"]) == globex_before
    # AND repeating the POST is answered as done, changing nothing
    after = stored(acme)
    status, body = page(api, "POST", world["ann"])
    assert status == 200 and "Already unsubscribed" in body and stored(acme) == after
    # AND system subscribers hear of it: bob through SOC, ann only through Ops (sec@ through the default one)
    pipeline.drain()
    notices = [m for m in outbox() if m.subject == "Recipient unsubscribed from SOC"]
    assert sorted(m.to[0] for m in notices) == ["ann@acme.io", "bob@acme.io", "sec@acme.io"]
    ann_notice = next(m for m in notices if m.to == ["ann@acme.io"])
    assert str(headers(ann_notice)["List-Id"]).startswith(f"Email Report <{world['ops']['id']}.")
    text = notices[0].text
    assert "ann@acme.io used the unsubscribe link in a mail from this integration" in text
    assert "Address: ann@acme.io" in text and "Recipients left: 1" in text and "add the address back" in text
    # AND the next event reaches SOC's remaining recipient only
    outbox_before = len(outbox())
    post_events(acme, vuln("v2"))
    pipeline.drain()
    new = [(m.to[0], str(headers(m)["List-Id"]).split("<")[1].split(".")[0]) for m in outbox()[outbox_before:]]
    assert sorted(sent for sent in new if sent[0] != "sec@acme.io") == sorted(
        [("bob@acme.io", world["soc"]["id"]), ("ann@acme.io", world["ops"]["id"])])


def test_an_admin_adds_the_address_back_with_patch(api: Api, acme: TenantHandle, world: dict[str, Any]) -> None:
    assert page(api, "POST", world["ann"])[0] == 200
    status, soc = acme.call("PATCH", f"/v1/integrations/{world['soc']['id']}",
                            {"emails": "bob@acme.io, ann@acme.io"})
    assert status == 200 and soc["emails"] == ["bob@acme.io", "ann@acme.io"] and soc["unsubscribed"] == []
    # the old link works again, as the address is on the integration again
    assert "Stop these emails?" in page(api, "GET", world["ann"])[1]


def tamper(path: str) -> str:
    payload, stamp, signature = path.rsplit(".", 2)
    return f"{payload}.{stamp}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}"


def swap(ann: str, bob: str) -> str:
    """bob's signature on ann's payload."""
    return ann.rsplit(".", 2)[0] + "." + ".".join(bob.rsplit(".", 2)[1:])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_bad_links_are_404_expired_ones_410_and_none_change_anything(
        api: Api, acme: TenantHandle, world: dict[str, Any], frozen_clock: FrozenClock, method: str) -> None:
    before = stored(acme)
    bad = [tamper(world["ann"]), swap(world["ann"], world["bob"]), "/console/unsubscribe/garbage",
           "/console/unsubscribe/a.b.c", "/console/unsubscribe/" + "x" * 700]
    for path in bad:
        status, body = page(api, method, path)
        assert status == 404 and "not valid" in body, (path, status)
    frozen_clock.advance(days=61)
    status, body = page(api, method, world["ann"])
    assert status == 410 and "expired" in body
    assert stored(acme) == before


def test_links_of_a_deleted_integration_tenant_or_a_removed_address_are_404(
        api: Api, acme: TenantHandle, world: dict[str, Any]) -> None:
    # an address the admin removed: the link names nothing any more
    assert acme.call("PATCH", f"/v1/integrations/{world['soc']['id']}", {"emails": "ann@acme.io"})[0] == 200
    before = stored(acme)
    status, body = page(api, "POST", world["bob"])
    assert status == 404 and "does not get mail" in body and stored(acme) == before
    # a deleted integration
    assert acme.call("DELETE", f"/v1/integrations/{world['soc']['id']}")[0] == 204
    assert page(api, "POST", world["ann"])[0] == 404
    # a deleted tenant
    globex_link = link(next(m for m in mails_to("ann@acme.io")
                            if world["other"]["id"] in str(headers(m)["List-Id"])))
    globex = world["globex"]
    assert api.call("DELETE", f"/v1/tenants/{globex.id}", headers=OPERATOR)[0] in (200, 202, 204)
    assert page(api, "POST", globex_link)[0] == 404


def test_an_integration_left_without_recipients_is_flagged_and_sends_nothing(
        api: Api, acme: TenantHandle, pipeline: Pipeline) -> None:
    solo = acme.integration(name="Solo", emails="solo@acme.io", events=["vuln", "system"])
    post_events(acme, vuln("v1"))
    pipeline.drain()
    assert page(api, "POST", link(mails_to("solo@acme.io")[0]))[0] == 200
    shown = acme.call("GET", f"/v1/integrations/{solo['id']}")[1]
    assert shown["emails"] == [] and "no recipients left" in shown["warning"]
    pipeline.drain()
    [notice] = mails_to("sec@acme.io", "Recipient unsubscribed from Solo")  # through the default integration
    assert "No address is left: the integration sends nothing until you add one." in notice.text
    # the next event ends in the log as skipped, saying why; nothing is sent, nothing counts as failed
    sent = len(mails_to("solo@acme.io"))
    post_events(acme, vuln("v2"))
    pipeline.drain()
    assert len(mails_to("solo@acme.io")) == sent
    [latest] = [d for d in pipeline.deliveries() if d["event_id"] == "v2" and d["integration_id"] == solo["id"]]
    assert latest["status"] == "skipped" and "no recipients left" in latest["reason"]
    assert acme.call("GET", f"/v1/integrations/{solo['id']}")[1]["health"] != "failing"


def test_an_integration_stored_before_keys_existed_gets_one_at_its_first_send(
        api: Api, acme: TenantHandle, pipeline: Pipeline) -> None:
    old = acme.integration(name="Old", emails="old@acme.io", events=["vuln"])
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(get_settings().integrations_table)
    table.update_item(Key={"tenant_id": acme.id, "sk": f"int#{old['id']}"}, UpdateExpression="REMOVE unsubscribe_key")
    post_events(acme, vuln("v1"))
    pipeline.drain()
    assert page(api, "POST", link(mails_to("old@acme.io")[0]))[0] == 200
    assert acme.call("GET", f"/v1/integrations/{old['id']}")[1]["emails"] == []


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(junk=st.text(min_size=1, max_size=300), position=st.integers(min_value=0),
       method=st.sampled_from(["GET", "POST"]))
def test_any_other_token_is_a_404_that_changes_nothing(api: Api, acme: TenantHandle, world: dict[str, Any],
                                                       junk: str, position: int, method: str) -> None:
    before = stored(acme)
    token = world["ann"].rpartition("/")[2]
    at = position % (len(token) - 1)  # the last character carries padding bits: some changes keep the signature
    mutated = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1:]
    for path in ("/console/unsubscribe/" + quote(junk, safe=""), "/console/unsubscribe/" + mutated):
        status, body = page(api, method, path)
        assert status == 404, (path, status, body[:200])
    assert stored(acme) == before
