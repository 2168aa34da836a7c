"""Quiet hours end to end: an integration's local range (22:00–07:00) set over HTTP → notifications other than
high-risk ones held during it → one quiet digest by the digest pass at its end (across both DST nights in Berlin)
→ moto's SES and the delivery log. Time moves only by the clock."""

import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from chalicelib import clock
from local.outbox import Mail
from tests.support.console import Browser, form_fields
from tests.support.events import trigger
from tests.support.lambdas import flush_groups, run_digest_pass
from tests.support.pipeline import outbox

_ids = itertools.count()
NIGHT = {"start": "22:00", "end": "07:00"}


def vuln(title: str, risk: str = "medium") -> dict[str, Any]:
    return {"id": f"q-{next(_ids)}", "type": "vulnerability.detected", "time": clock.iso(clock.now()),
            "data": {"risk": risk, "title": title, "host": "api.acme.io"}}


def user(email: str) -> dict[str, Any]:
    return {"id": f"q-{next(_ids)}", "type": "user.created", "time": clock.iso(clock.now()),
            "data": {"email": email, "role": "analyst"}}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def mails_to(address: str) -> list[Mail]:
    return [mail for mail in outbox() if address in mail.to]


@pytest.fixture
def berlin(api):
    return api.tenant("Acme", "sec@acme.io", timezone="Europe/Berlin")


@pytest.fixture
def post(berlin, pipeline, frozen_clock) -> Callable[..., None]:
    """Post events at ``when`` (UTC) and run the deliveries they queued."""
    def send(when: datetime, *events: Callable[[], dict[str, Any]]) -> None:
        frozen_clock.moment = when
        status, body = berlin.call("POST", "/v1/events", {"events": [make() for make in events]})
        assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body
        pipeline.drain()
    return send


@pytest.fixture
def run_pass(api, pipeline, frozen_clock) -> Callable[[datetime], dict[str, int]]:
    return partial(run_digest_pass, api, pipeline, frozen_clock)


def quiet(tenant: Any, notifications: str = "instant", hours: dict[str, str] | None = None) -> dict[str, Any]:
    created = tenant.integration(name="Night", emails="night@acme.io", events=["system", "vuln", "scope"],
                                 notifications=notifications, quiet_hours=hours or NIGHT)
    assert created["quiet_hours"] == (hours or NIGHT)
    return created


def test_a_medium_vulnerability_at_night_is_held_and_arrives_in_one_digest_at_07_00(berlin, post, run_pass):
    # GIVEN a Berlin tenant (sec@ takes everything at once) and an integration quiet from 22:00 to 07:00
    created = quiet(berlin)
    # WHEN a medium vulnerability comes at 23:00 CET, a new user at 00:30 and a low one at 03:00
    post(utc(2026, 11, 25, 22), lambda: vuln("XSS in /search"))
    post(utc(2026, 11, 25, 23, 30), lambda: user("eve@acme.io"))
    post(utc(2026, 11, 26, 2), lambda: vuln("Banner disclosure", "low"))
    # THEN the quiet integration got none of them yet, the other all three at once
    assert mails_to("night@acme.io") == [] and len(mails_to("sec@acme.io")) == 3
    # WHEN a high-risk one comes at 04:00
    post(utc(2026, 11, 26, 3), lambda: vuln("SQLi in /login", "high"))
    # THEN it goes out at once, with its urgency
    [high] = mails_to("night@acme.io")
    assert "[High]" in high.subject and "SQLi in /login" in high.subject
    assert b"X-Email-Report-Severity: high" in high.raw
    # AND nothing more before 07:00 has settled; then one digest with the three held, the high one not among them
    assert run_pass(utc(2026, 11, 26, 5, 59))["sent"] == 0 and run_pass(utc(2026, 11, 26, 6, 1))["sent"] == 0
    assert run_pass(utc(2026, 11, 26, 6, 5)) == {"due": 1, "sent": 1}
    [_, digest] = mails_to("night@acme.io")
    assert digest.subject == ("Quiet hours digest: 3 notifications — Wed 25 Nov 2026, 22:00 CET – "
                              "Thu 26 Nov 2026, 07:00 CET")
    assert "- 23:00  Detected: [Medium] Vulnerability: XSS in /search" in digest.text
    assert "eve@acme.io" in digest.text and "Banner disclosure" in digest.text and "SQLi" not in digest.text
    assert b"X-Email-Report-Severity: info" in digest.raw
    # AND the delivery log shows the high-risk mail at 04:00 and the quiet digest that carried the held three
    log = berlin.call("GET", f"/v1/integrations/{created['id']}/deliveries")[1]["items"]
    assert [(d["kind"], d["event_type"], d["status"]) for d in log] == [
        ("digest", "quiet_digest", "sent"), ("notification", "vulnerability.detected", "sent")]
    assert log[0]["subject"] == digest.subject
    # AND the next night's first notification starts a new quiet digest
    post(utc(2026, 11, 26, 21, 30), lambda: vuln("Next night"))
    assert run_pass(utc(2026, 11, 27, 6, 5))["sent"] == 1
    assert "Next night" in mails_to("night@acme.io")[-1].text


def test_outside_the_range_a_notification_goes_at_once_as_before(berlin, post, run_pass):
    # GIVEN quiet hours 22:00–07:00; WHEN notifications come at 07:00 CET sharp and at 21:59
    quiet(berlin)
    post(utc(2026, 11, 26, 6), lambda: vuln("Morning"))
    post(utc(2026, 11, 26, 20, 59), lambda: user("late@acme.io"))
    # THEN each went out at once, and no digest follows
    assert [("Morning" in m.subject, "late@acme.io" in m.text) for m in mails_to("night@acme.io")] == [
        (True, False), (False, True)]
    assert run_pass(utc(2026, 11, 27, 6, 5)) == {"due": 0, "sent": 0}


def test_a_range_within_the_day_holds_only_its_hours(berlin, post, run_pass):
    # GIVEN quiet hours 12:00–14:00 (a lunch break); WHEN notifications come at 12:30 and 14:30 CET
    quiet(berlin, hours={"start": "12:00", "end": "14:00"})
    post(utc(2026, 11, 25, 11, 30), lambda: vuln("Lunch"))
    assert run_pass(utc(2026, 11, 25, 13, 5))["sent"] == 1
    post(utc(2026, 11, 25, 13, 30), lambda: vuln("Afternoon"))
    # THEN the first came in the digest at 14:00, the second at once
    subjects = [mail.subject for mail in mails_to("night@acme.io")]
    assert subjects[0] == ("Quiet hours digest: 1 notification — Wed 25 Nov 2026, 12:00 CET – "
                           "Wed 25 Nov 2026, 14:00 CET")
    assert "Afternoon" in subjects[1] and len(subjects) == 2


def test_trigger_alerts_are_held_unless_high_risk_and_integration_notices_never(berlin, api, pipeline, post,
                                                                                run_pass, frozen_clock):
    # GIVEN a quiet integration that a trigger alerts on API changes, and another integration
    created = quiet(berlin)
    trigger(berlin, [created["id"]], {"type": "api_changed"})
    other = berlin.integration(name="Other", emails="other@acme.io", events=["vuln"])
    # WHEN the API changes at 23:00 CET, and the other integration is disabled then (a notice about an integration)
    post(utc(2026, 11, 25, 22), lambda: {"id": "api-1", "type": "api.changed", "time": clock.iso(clock.now()),
                                         "data": {"change": "added", "method": "POST", "path": "/v1/items",
                                                  "host": "api.acme.io"}})
    flush_groups(api, frozen_clock, pipeline)
    fired = berlin.call("GET", "/v1/triggers")[1]["items"][0]
    assert fired["last_outcome"] == "gathered into the digest of 1 integration: Night"
    assert berlin.call("POST", f"/v1/integrations/{other['id']}/disable")[0] == 200
    pipeline.drain()
    # AND Test integration is run on the quiet integration
    status, result = berlin.call("POST", f"/v1/integrations/{created['id']}/test")
    assert status == 200 and result["ok"], result
    # THEN the notice and the test samples came at once; the alert only in the quiet digest at 07:00
    at_night = mails_to("night@acme.io")
    assert "Integration disabled" in at_night[0].subject
    assert at_night[1:] and all(mail.subject.startswith("[Test message]") for mail in at_night[1:])
    assert run_pass(utc(2026, 11, 26, 6, 5))["sent"] == 1
    digest = mails_to("night@acme.io")[-1]
    assert digest.subject.startswith("Quiet hours digest: 1 notification") and "Trigger alerts: 1" in digest.text


def test_an_hourly_digest_integration_gets_one_quiet_digest_instead_of_the_nights_hours(berlin, post, run_pass):
    # GIVEN an hourly digest integration quiet from 22:00 to 07:00
    quiet(berlin, "hourly")
    # WHEN notifications come at 21:30 CET (before the range), 23:30 and 02:30 (in it)
    # THEN the 21:00 hour goes out as its hourly digest at 22:00, the night's hours send nothing on their own
    post(utc(2026, 11, 25, 20, 30), lambda: vuln("Evening"))
    assert run_pass(utc(2026, 11, 25, 21, 5))["sent"] == 1
    post(utc(2026, 11, 25, 22, 30), lambda: vuln("Late"))
    assert run_pass(utc(2026, 11, 25, 23, 5))["sent"] == 0
    post(utc(2026, 11, 26, 1, 30), lambda: user("owl@acme.io"))
    assert run_pass(utc(2026, 11, 26, 2, 5))["sent"] == 0
    # AND one quiet digest at 07:00 holds the night's two
    assert run_pass(utc(2026, 11, 26, 6, 5))["sent"] == 1
    hourly, night = mails_to("night@acme.io")
    assert hourly.subject.startswith("Hourly digest: 1 notification") and "Evening" in hourly.text
    assert night.subject.startswith("Quiet hours digest: 2 notifications") and "Late" in night.text
    assert "owl@acme.io" in night.text and "Evening" not in night.text


def test_the_spring_night_ends_at_07_00_summer_time(berlin, post, run_pass):
    # GIVEN quiet hours in Berlin; on 29 March 2026 the clock springs from 02:00 CET to 03:00 CEST
    quiet(berlin)
    # WHEN notifications come at 22:30 CET, 01:30 CET, 03:30 CEST and 06:30 CEST, and one at 07:00 CEST
    for n, moment in enumerate([utc(2026, 3, 28, 21, 30), utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30),
                                utc(2026, 3, 29, 4, 30)]):
        post(moment, lambda n=n: vuln(f"Spring {n}"))
    post(utc(2026, 3, 29, 5), lambda: vuln("Morning"))
    # THEN the morning one went at once; the four come in one digest 8 hours after the night began
    assert [mail.subject for mail in mails_to("night@acme.io") if "Morning" in mail.subject]
    assert run_pass(utc(2026, 3, 29, 5, 5)) == {"due": 1, "sent": 1}
    digest = mails_to("night@acme.io")[-1]
    assert digest.subject == ("Quiet hours digest: 4 notifications — Sat 28 Mar 2026, 22:00 CET – "
                              "Sun 29 Mar 2026, 07:00 CEST")
    assert all(f"Spring {n}" in digest.text for n in range(4)) and "Morning" not in digest.text
    assert "- 03:30  " in digest.text and "- 02:30  " not in digest.text


def test_the_autumn_night_ends_at_07_00_winter_time_and_holds_both_02_30s(berlin, post, run_pass):
    # GIVEN quiet hours in Berlin; on 25 October 2026 the clock goes back from 03:00 CEST to 02:00 CET
    quiet(berlin)
    # WHEN notifications come at 22:30 CEST and at each 02:30 (CEST, then CET)
    for n, moment in enumerate([utc(2026, 10, 24, 20, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)]):
        post(moment, lambda n=n: vuln(f"Autumn {n}"))
    # THEN nothing goes at 07:00 by summer time (05:00 UTC, 06:00 CET), and a notification then is still held
    assert run_pass(utc(2026, 10, 25, 5, 5))["sent"] == 0
    post(utc(2026, 10, 25, 5, 30), lambda: vuln("Autumn 3"))
    assert mails_to("night@acme.io") == []
    # AND one digest goes at 07:00 CET, 10 hours after 22:00 CEST
    assert run_pass(utc(2026, 10, 25, 6, 5)) == {"due": 1, "sent": 1}
    [digest] = mails_to("night@acme.io")
    assert digest.subject == ("Quiet hours digest: 4 notifications — Sat 24 Oct 2026, 22:00 CEST – "
                              "Sun 25 Oct 2026, 07:00 CET")
    assert all(f"Autumn {n}" in digest.text for n in range(4)) and digest.text.count("- 02:30  ") == 2


def test_the_api_takes_reads_changes_and_clears_the_range(acme):
    # GIVEN an integration created with quiet hours, and one without
    status, created = acme.call("POST", "/v1/integrations", {"name": "Night", "emails": "n@acme.io",
                                                             "quiet_hours": NIGHT})
    assert status == 201 and created["quiet_hours"] == NIGHT
    assert acme.integration(name="Plain")["quiet_hours"] is None
    path = f"/v1/integrations/{created['id']}"
    # WHEN it is changed, given values it does not take, and cleared
    assert acme.call("PATCH", path, {"quiet_hours": {"start": "23:30", "end": "06:00"}})[1]["quiet_hours"] == {
        "start": "23:30", "end": "06:00"}
    refused = [acme.call("PATCH", path, {"quiet_hours": value}) for value in (
        {"start": "22:00", "end": "22:00"}, {"start": "7:00", "end": "22:00"}, {"start": "22:00", "end": "24:00"},
        {"start": "22:00"}, "22:00-07:00", {"start": "22:00", "end": "07:00", "zone": "UTC"})]
    # THEN each refusal is a 422 naming the field and changes nothing; null turns the range off
    assert [status for status, _ in refused] == [422] * 6
    assert all(body["error"]["details"][0]["path"].startswith("quiet_hours") for _, body in refused), refused
    assert acme.call("GET", path)[1]["quiet_hours"] == {"start": "23:30", "end": "06:00"}
    status, cleared = acme.call("PATCH", path, {"quiet_hours": None})
    assert status == 200 and cleared["quiet_hours"] is None and acme.call("GET", path)[1]["quiet_hours"] is None


def test_the_openapi_document_describes_the_field(api):
    schemas = api.call("GET", "/v1/openapi.json")[1]["components"]["schemas"]
    quiet_hours = schemas["QuietHours"]["properties"]
    assert quiet_hours["start"]["pattern"] == "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    for model in ("Integration", "IntegrationCreate", "IntegrationUpdate"):
        assert {"type": "null"} in schemas[model]["properties"]["quiet_hours"]["anyOf"], model


def test_the_console_form_sets_shows_and_clears_quiet_hours(api, berlin, post):
    created = quiet(berlin)
    console = Browser(api.client)
    assert console.sign_in(berlin.token).status == 303
    path = f"/console/integrations/{created['id']}"
    # GIVEN the form shows the range; WHEN it is saved with an empty range's twin (22:00 to 22:00)
    form = console.get(path)
    assert 'name="quiet_start" type="time" value="22:00"' in form.body
    refused = console.post(path, form_fields(form.csrf, "none", name="Night", emails="night@acme.io",
                                             quiet_start="22:00", quiet_end="22:00"))
    # THEN the error stands beside the field and nothing changed
    assert refused.status == 422
    errors = dict(re.findall(r'<p class="field-error" id="(\w+)-error">([^<]*)</p>', refused.body))
    assert errors == {"quiet_hours": "Start and end must differ"}
    assert berlin.call("GET", f"/v1/integrations/{created['id']}")[1]["quiet_hours"] == NIGHT
    # WHEN saved with 23:00 to 06:30, the list shows it and what the night holds
    saved = console.post(path, form_fields(form.csrf, "none", name="Night", emails="night@acme.io",
                                           quiet_start="23:00", quiet_end="06:30"))
    assert saved.status == 303
    assert berlin.call("GET", f"/v1/integrations/{created['id']}")[1]["quiet_hours"] == {"start": "23:00",
                                                                                          "end": "06:30"}
    post(utc(2026, 11, 25, 22, 30), lambda: vuln("Held"))
    assert console.sign_in(berlin.token).status == 303  # that evening
    listing = console.get("/console/integrations").body
    assert "Instant · quiet hours 23:00–06:30" in listing
    assert "1 notification waiting · next digest about 26 Nov 2026, 06:32 CET" in listing
    # AND saved with both times empty, quiet hours are off
    assert console.post(path, form_fields(console.get(path).csrf, "none", name="Night", emails="night@acme.io",
                                          quiet_start="", quiet_end="")).status == 303
    assert berlin.call("GET", f"/v1/integrations/{created['id']}")[1]["quiet_hours"] is None
