"""Snooze and mute from the mail, end to end on moto: a trigger's alert mailed to two recipients → one follows
its "Snooze 1 hour" link (GET shows, POST acts, once) → the next alert reaches only the other, and the delivery log
says who was skipped and why → after the hour both get alerts again, and a redrive sends the held one → the API
lists and lifts snoozes per tenant; a vulnerability's mail mutes it until its status changes. Time moves only by
the clock."""

import itertools
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from chalicelib import clock
from local.outbox import Mail
from tests.support.api import Api, TenantHandle
from tests.support.events import trigger
from tests.support.lambdas import flush_groups
from tests.support.pipeline import outbox
from tests.support.unsubscribe import page

_ids = itertools.count()


def api_change(api: Api, tenant: TenantHandle, pipeline: Any, frozen_clock: Any) -> list[Mail]:
    """An API change posted and its trigger's group flushed; returns the mails it made."""
    before = len(outbox())
    status, body = tenant.call("POST", "/v1/events", {"events": [{
        "id": f"api-{next(_ids)}", "type": "api.changed", "time": clock.iso(clock.now()),
        "data": {"change": "added", "method": "POST", "path": f"/v1/items/{next(_ids)}", "host": "api.acme.io"}}]})
    assert status == 202, body
    flush_groups(api, frozen_clock, pipeline)
    return outbox()[before:]


def link(mail: Mail, pattern: str) -> str:
    found = re.search(pattern + r": (\S+)", mail.text)
    assert found, mail.text
    return urlparse(found.group(1)).path


def test_a_snoozed_recipient_gets_no_alert_while_the_other_does_and_both_do_after_it_ends(
        api, acme, globex, pipeline, frozen_clock):
    # GIVEN SOC (ann and bob) alerted by a trigger on API changes, and a first alert that reached both
    soc = acme.integration(emails="ann@acme.io, bob@acme.io", events=["vuln"])
    trigger(acme, [soc["id"]], {"type": "api_changed"})
    first = {mail.to[0]: mail for mail in api_change(api, acme, pipeline, frozen_clock)}
    assert set(first) == {"ann@acme.io", "bob@acme.io"} and "Snooze these alerts" in first["bob@acme.io"].text
    snooze = link(first["ann@acme.io"], r"1 hour")
    # WHEN ann opens her "Snooze 1 hour" link: a page, and nothing changes (mail scanners fetch links)
    status, shown = page(api, "GET", snooze)
    assert status == 200 and "Snooze these alerts for 1 hour?" in shown and "ann@acme.io" in shown
    assert acme.call("GET", "/v1/snoozes") == (200, {"items": [], "next_cursor": None})
    # AND confirms it: snoozed; the link then acts never again, nor does a tampered one
    status, done = page(api, "POST", snooze)
    assert status == 200 and "Snoozed until" in done
    assert page(api, "POST", snooze)[0] == 410 and "already used" in page(api, "GET", snooze)[1]
    tampered = snooze[:-10] + ("A" if snooze[-10] != "A" else "B") + snooze[-9:]  # a signature character
    assert page(api, "POST", tampered)[0] == 404
    [made] = acme.call("GET", "/v1/snoozes")[1]["items"]
    assert (made["address"], made["kind"], made["created_by"], made["integration_id"]) == (
        "ann@acme.io", "snooze", "ann@acme.io", soc["id"])
    assert datetime.fromisoformat(made["until"]) == clock.now() + timedelta(hours=1)
    # AND another tenant neither sees nor lifts it
    assert globex.call("GET", "/v1/snoozes")[1]["items"] == []
    assert globex.call("DELETE", f"/v1/snoozes/{made['id']}")[0] == 404

    # WHEN the API changes again within the hour: only bob gets the alert
    second = api_change(api, acme, pipeline, frozen_clock)
    assert [mail.to for mail in second] == [["bob@acme.io"]]
    # THEN the delivery log shows it skipped for ann, saying by whose snooze and until when
    status, log = acme.call("GET", f"/v1/integrations/{soc['id']}/deliveries?status=skipped")
    [held] = log["items"]
    assert held["recipients_sent"] == ["bob@acme.io"] and held["recipients_pending"] == ["ann@acme.io"]
    assert held["reason"].startswith("held back by a snooze or mute: ann@acme.io: snoozed for ann@acme.io")
    assert [(a["recipient"], a["outcome"]) for a in held["attempts"]] == [("bob@acme.io", "sent"),
                                                                         ("ann@acme.io", "skipped")]

    # WHEN the hour has passed: both get the next alert, and a redrive sends ann the one held back
    frozen_clock.advance(hours=1)
    assert sorted(mail.to[0] for mail in api_change(api, acme, pipeline, frozen_clock)) == ["ann@acme.io",
                                                                                           "bob@acme.io"]
    before = len(outbox())
    assert acme.call("POST", f"/v1/deliveries/{held['id']}/redrive")[0] == 200
    pipeline.drain()
    assert [(mail.to, mail.delivery_id) for mail in outbox()[before:]] == [(["ann@acme.io"], held["id"])]

    # WHEN ann mutes a vulnerability from its mail: listed with no end, and its fix still reaches her
    detected = [mail for mail in post_vulnerability(acme, pipeline, "open") if mail.to == ["ann@acme.io"]]
    mute = link(detected[0], r"Mute this vulnerability \(no more mail about it to this address until its status "
                             r"changes\)")
    assert page(api, "POST", mute)[0] == 200
    mutes = [s for s in acme.call("GET", "/v1/snoozes")[1]["items"] if s["kind"] == "mute"]
    assert [(s["address"], s["until"]) for s in mutes] == [("ann@acme.io", None)]
    fixed = post_vulnerability(acme, pipeline, "closed")
    assert sorted(m.to[0] for m in fixed if m.to[0] in ("ann@acme.io", "bob@acme.io")) == ["ann@acme.io",
                                                                                          "bob@acme.io"]
    # AND the API lifts a snooze (204), once
    assert acme.call("DELETE", f"/v1/snoozes/{made['id']}")[0] == 204
    assert acme.call("DELETE", f"/v1/snoozes/{made['id']}")[0] == 404
    assert [s["kind"] for s in acme.call("GET", "/v1/snoozes")[1]["items"]] == ["mute"]


def post_vulnerability(tenant: TenantHandle, pipeline: Any, status: str) -> list[Mail]:
    before = len(outbox())
    event = ({"type": "vulnerability.detected", "data": {"id": "v-1", "risk": "high", "title": "SQLi in /login",
                                                          "host": "api.acme.io"}} if status == "open" else
             {"type": "vulnerability.status_changed", "data": {"id": "v-1", "status": status}})
    answer = tenant.call("POST", "/v1/events", {"events": [{"id": f"v-{next(_ids)}", "time": clock.iso(clock.now()),
                                                            **event}]})
    assert answer[0] == 202, answer
    pipeline.drain()
    return outbox()[before:]
