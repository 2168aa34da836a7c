"""Digests end to end: events in over HTTP → gathered per (integration, period) → the digest pass at the period's
end (in the tenant's time zone) → one mail through the delivery worker → moto's SES. Time moves only by the clock."""

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from chalicelib import clock
from chalicelib.aws import digests_repo, due_index
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import transact
from chalicelib.digests.periods import period_containing
from chalicelib.models.digests import DigestEntry
from chalicelib.models.integrations import Integration
from chalicelib.settings import get_settings
from local.pollers import poll_once
from tests.support.checks import scan
from tests.support.concurrency import concurrently
from tests.support.console import Browser
from tests.support.events import trigger
from tests.support.lambdas import aws_requests, fire, flush_groups, run_digest_pass
from tests.support.pipeline import outbox
from tests.support.scale import default_integrations

_ids = itertools.count()


def vuln(title: str, risk: str = "high", event_id: str | None = None) -> dict[str, Any]:
    return {"id": event_id or f"v-{next(_ids)}", "type": "vulnerability.detected", "time": clock.iso(clock.now()),
            "data": {"risk": risk, "title": title, "host": "api.acme.io"}}


def user(email: str) -> dict[str, Any]:
    return {"id": f"u-{next(_ids)}", "type": "user.created", "time": clock.iso(clock.now()),
            "data": {"email": email, "role": "analyst"}}


def scope(value: str) -> dict[str, Any]:
    return {"id": f"s-{next(_ids)}", "type": "scope.changed", "time": clock.iso(clock.now()),
            "data": {"changes": [{"kind": "host", "action": "added", "value": value}]}}


def post(tenant: Any, *events: dict[str, Any]) -> None:
    status, body = tenant.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body


def mails_to(address: str) -> list[Any]:
    return [mail for mail in outbox() if address in mail.to]


@pytest.fixture
def run_pass(api, pipeline, frozen_clock) -> Callable[[datetime], dict[str, int]]:
    return partial(run_digest_pass, api, pipeline, frozen_clock)


@pytest.fixture
def berlin(api):
    return api.tenant("Acme", "sec@acme.io", timezone="Europe/Berlin")


def digest(tenant: Any, notifications: str = "hourly", **fields: Any) -> dict[str, Any]:
    created = tenant.integration(name=f"Digest {notifications}", emails="digest@acme.io",
                                 events=["system", "vuln", "scope"], notifications=notifications, **fields)
    assert created["notifications"] == notifications
    return created


def test_an_hourly_digest_is_one_mail_with_every_notification_of_the_hour(berlin, run_pass, pipeline, frozen_clock):
    # GIVEN a Berlin tenant whose default integration (sec@) is instant, and a second one taking an hourly digest
    digest(berlin)
    # WHEN four notifications arrive between 10:05 and 10:50 UTC (11:05–11:50 CET)
    for minute, make in zip((5, 20, 35, 50), (lambda: vuln("SQLi in /login"), lambda: vuln("XSS in /search", "low"),
                                             lambda: user("eve@acme.io"), lambda: scope("new.acme.io")), strict=True):
        frozen_clock.moment = datetime(2026, 11, 25, 10, minute, tzinfo=UTC)
        post(berlin, make())
    pipeline.drain()
    # THEN the instant integration got its four mails as before, the digest nothing yet
    instant = mails_to("sec@acme.io")
    assert len(instant) == 4 and mails_to("digest@acme.io") == []
    # AND the pass sends nothing before the hour has ended and settled
    assert run_pass(datetime(2026, 11, 25, 10, 59, tzinfo=UTC))["sent"] == 0
    assert run_pass(datetime(2026, 11, 25, 11, 1, tzinfo=UTC))["sent"] == 0
    # WHEN it runs after the hour
    assert run_pass(datetime(2026, 11, 25, 11, 5, tzinfo=UTC)) == {"due": 1, "sent": 1}
    # THEN one mail lists the four, grouped, with counts, in the tenant's time zone
    [mail] = mails_to("digest@acme.io")
    assert mail.subject == "Hourly digest: 4 notifications, 1 high-risk — Wed 25 Nov 2026, 11:00–12:00 CET"
    for sent in instant:
        assert sent.subject in mail.text
    assert "High-risk vulnerabilities: 1" in mail.text and "Low-risk vulnerabilities: 1" in mail.text
    assert "System: 1" in mail.text and "Scope changes: 1" in mail.text
    assert "- 11:05  Detected: [High] Vulnerability: SQLi in /login — api.acme.io" in mail.text
    assert "times in Europe/Berlin" in mail.text and get_settings().console_url in mail.html
    assert mail.html.index("High-risk vulnerabilities") < mail.html.index("Low-risk vulnerabilities")
    # AND the pass run again (and an idle hour) sends nothing more
    assert run_pass(datetime(2026, 11, 25, 11, 10, tzinfo=UTC)) == {"due": 0, "sent": 0}
    assert run_pass(datetime(2026, 11, 25, 12, 5, tzinfo=UTC)) == {"due": 0, "sent": 0}
    assert len(mails_to("digest@acme.io")) == 1


def test_a_digest_says_what_happened_to_a_vulnerability(berlin, run_pass, frozen_clock):
    # GIVEN an hourly digest; a vulnerability is detected at 10:05 and fixed at 10:40 UTC
    digest(berlin)
    frozen_clock.moment = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    post(berlin, vuln("SQLi in /login", event_id="detected-1") | {"data": {"id": "V-9", "risk": "high",
                                                                           "title": "SQLi in /login"}})
    frozen_clock.moment = datetime(2026, 11, 25, 10, 40, tzinfo=UTC)
    post(berlin, {"id": "fixed-1", "type": "vulnerability.status_changed", "time": clock.iso(clock.now()),
                  "data": {"id": "V-9", "status": "closed"}})
    # WHEN the hour's digest goes out
    assert run_pass(datetime(2026, 11, 25, 11, 5, tzinfo=UTC)) == {"due": 1, "sent": 1}
    # THEN it lists both, each saying what happened (the mails' own subjects name no verb, so they thread)
    [mail] = mails_to("digest@acme.io")
    assert "- 11:05  Detected: [High] Vulnerability: SQLi in /login" in mail.text
    assert "- 11:40  Fixed: [High] Vulnerability: SQLi in /login" in mail.text


def test_a_redelivered_event_and_a_repeated_pass_send_once(berlin, api, run_pass, pipeline, frozen_clock):
    # GIVEN an hourly digest with one notification, routed twice (the first ingest stopped before it was marked)
    digest(berlin)
    event = vuln("SQLi in /login", event_id="twice")
    post(berlin, event)
    [stored] = [item for item in scan("events_table") if item["pk"].endswith("#twice")]
    table(get_settings().events_table).update_item(Key={"pk": stored["pk"]}, UpdateExpression="SET routed = :f",
                                                   ExpressionAttributeValues={":f": False})
    status, body = berlin.call("POST", "/v1/events", {"events": [event]})
    assert status == 202 and body["results"][0]["status"] == "duplicate"
    # WHEN the same scheduled event is delivered twice, and the pass runs once more
    frozen_clock.moment = datetime(2026, 11, 25, 11, 5, tzinfo=UTC)
    first, again = fire(api, "digest_pass", "same"), fire(api, "digest_pass", "same")
    run_pass(datetime(2026, 11, 25, 11, 10, tzinfo=UTC))
    pipeline.drain()
    # THEN one digest, listing the event once
    assert first == again == {"due": 1, "sent": 1}
    [mail] = mails_to("digest@acme.io")
    assert mail.subject.startswith("Hourly digest: 1 notification, 1 high-risk")
    assert mail.text.count("SQLi in /login") == 1


def test_events_arriving_at_once_are_all_in_the_digest(berlin, run_pass):
    # GIVEN an hourly digest WHEN eight events for it are posted at the same moment
    digest(berlin)
    concurrently([lambda n=n: post(berlin, vuln(f"Finding {n}")) for n in range(8)])
    run_pass(datetime(2026, 11, 25, 11, 5, tzinfo=UTC))
    # THEN its one digest lists every one of them
    [mail] = mails_to("digest@acme.io")
    assert mail.subject.startswith("Hourly digest: 8 notifications, 8 high-risk")
    assert all(f"Finding {n}" in mail.text for n in range(8))


def test_a_daily_digest_covers_the_25_hour_day_of_the_autumn_change(berlin, run_pass, frozen_clock):
    # GIVEN a daily digest in Berlin; 25 October 2026 runs from 24 Oct 22:00 UTC to 25 Oct 23:00 UTC (25 hours)
    digest(berlin, "daily")
    moments = [datetime(2026, 10, 24, 22, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
               datetime(2026, 10, 25, 1, 30, tzinfo=UTC), datetime(2026, 10, 25, 22, 30, tzinfo=UTC)]
    for n, moment in enumerate(moments):
        frozen_clock.moment = moment
        post(berlin, vuln(f"Finding {n}", "medium"))
    frozen_clock.moment = datetime(2026, 10, 25, 23, 10, tzinfo=UTC)  # 00:10 on the 26th: the next day
    post(berlin, vuln("Next day", "medium"))
    # WHEN the pass runs 24 hours after the day began, then after its 25th hour
    assert run_pass(datetime(2026, 10, 25, 22, 5, tzinfo=UTC))["sent"] == 0
    assert run_pass(datetime(2026, 10, 25, 23, 5, tzinfo=UTC))["sent"] == 1
    # THEN the day's mail holds its four notifications (the repeated 02:30 twice), not the next day's
    [mail] = mails_to("digest@acme.io")
    assert mail.subject == "Daily digest: 4 notifications — Sun 25 Oct 2026"
    assert all(f"Finding {n}" in mail.text for n in range(4)) and "Next day" not in mail.text
    assert "Medium-risk vulnerabilities: 4" in mail.text and mail.text.count("- 02:30  ") == 2


def test_a_daily_digest_covers_the_23_hour_day_of_the_spring_change(berlin, run_pass, frozen_clock):
    # GIVEN 29 March 2026 in Berlin: 28 Mar 23:00 UTC to 29 Mar 22:00 UTC (23 hours)
    digest(berlin, "daily")
    for n, moment in enumerate([datetime(2026, 3, 28, 23, 30, tzinfo=UTC), datetime(2026, 3, 29, 21, 30, tzinfo=UTC)]):
        frozen_clock.moment = moment
        post(berlin, user(f"user{n}@acme.io"))
    # WHEN the pass runs just after local midnight (22:00 UTC)
    assert run_pass(datetime(2026, 3, 29, 22, 5, tzinfo=UTC))["sent"] == 1
    # THEN the 23-hour day is one mail with both
    [mail] = mails_to("digest@acme.io")
    assert mail.subject == "Daily digest: 2 notifications — Sun 29 Mar 2026"
    assert "user0@acme.io" in mail.text and "user1@acme.io" in mail.text and "- 23:30  " in mail.text


def test_the_repeated_hour_of_the_autumn_night_is_two_hourly_digests(berlin, run_pass, frozen_clock):
    # GIVEN an hourly digest and a notification in each 02:00–03:00 of 25 October 2026 (CEST, then CET)
    digest(berlin)
    for title, moment in (("First 02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
                          ("Second 02:30", datetime(2026, 10, 25, 1, 30, tzinfo=UTC))):
        frozen_clock.moment = moment
        post(berlin, vuln(title))
    # WHEN the pass runs after each hour
    assert run_pass(datetime(2026, 10, 25, 1, 5, tzinfo=UTC))["sent"] == 1
    assert run_pass(datetime(2026, 10, 25, 2, 5, tzinfo=UTC))["sent"] == 1
    # THEN each hour is its own mail, told in its own offset
    first, second = mails_to("digest@acme.io")
    assert first.subject.endswith("Sun 25 Oct 2026, 02:00–03:00 CEST") and "First 02:30" in first.text
    assert second.subject.endswith("Sun 25 Oct 2026, 02:00–03:00 CET") and "Second 02:30" in second.text
    assert "Second" not in first.text and "First" not in second.text


def test_the_tenants_time_zone_sets_the_day(api, run_pass, frozen_clock):
    # GIVEN a Tokyo tenant (UTC+9) with a daily digest: its 25 November is 24 Nov 15:00 UTC .. 25 Nov 15:00 UTC
    tokyo = api.tenant("Tokyo", "sec@tokyo.example", timezone="Asia/Tokyo")
    tokyo.integration(name="Daily", emails="daily@tokyo.example", events=["vuln"], notifications="daily")
    frozen_clock.moment = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    post(tokyo, vuln("Late in Tokyo's day"))
    # WHEN the pass runs at UTC midnight, then after Tokyo's midnight
    assert run_pass(datetime(2026, 11, 25, 15, 5, tzinfo=UTC))["sent"] == 1
    # THEN the digest went out at Tokyo's midnight, named by Tokyo's date and clock
    [mail] = mails_to("daily@tokyo.example")
    assert mail.subject == "Daily digest: 1 notification, 1 high-risk — Wed 25 Nov 2026"
    assert "- 23:00  " in mail.text and "times in Asia/Tokyo" in mail.text


def test_a_failing_digest_retries_and_shows_in_the_delivery_log(berlin, run_pass, pipeline, flaky_ses):
    # GIVEN an hourly digest with a notification, and SES refusing the next send
    created = digest(berlin)
    post(berlin, vuln("SQLi in /login"))
    pipeline.drain()  # the instant integration's mail
    flaky_ses.fail_next(1)
    # WHEN the pass runs and the worker retries
    run_pass(datetime(2026, 11, 25, 11, 5, tzinfo=UTC))
    # THEN the digest arrived on the second try, and its log entry says so
    assert len(mails_to("digest@acme.io")) == 1
    status, log = berlin.call("GET", f"/v1/integrations/{created['id']}/deliveries")
    [entry] = log["items"] if status == 200 else [log]
    assert entry["kind"] == "digest" and entry["event_type"] == "hourly_digest" and entry["status"] == "sent"
    assert entry["subject"].startswith("Hourly digest")
    assert [a["outcome"] for a in entry["attempts"]] == ["failed", "sent"]


def test_a_disabled_integrations_digest_is_skipped_and_a_deleted_ones_dropped(berlin, run_pass):
    # GIVEN two digest integrations with a notification each
    kept = digest(berlin)
    gone = berlin.integration(name="Gone", emails="gone@acme.io", events=["vuln"], notifications="hourly")
    post(berlin, vuln("SQLi in /login"))
    # WHEN one is disabled and the other deleted before the hour ends
    assert berlin.call("POST", f"/v1/integrations/{kept['id']}/disable")[0] == 200
    assert berlin.call("DELETE", f"/v1/integrations/{gone['id']}")[0] == 204
    outcome = run_pass(datetime(2026, 11, 25, 11, 5, tzinfo=UTC))
    # THEN no digest mail (the system subscriber was told, at once, that it was disabled); the disabled one logs a
    # skipped digest to redrive once it is enabled
    assert outcome == {"due": 2, "sent": 1}
    assert [mail.subject for mail in mails_to("digest@acme.io")] == ["Integration disabled: Digest hourly"]
    assert mails_to("gone@acme.io") == []
    [entry] = [e for e in berlin.call("GET", f"/v1/integrations/{kept['id']}/deliveries")[1]["items"]
               if e["kind"] == "digest"]
    assert entry["status"] == "skipped" and "disabled" in entry["reason"]


def test_trigger_alerts_are_gathered_and_integration_notices_stay_instant(berlin, api, run_pass, pipeline,
                                                                         frozen_clock):
    # GIVEN an hourly digest that a trigger alerts on API changes, and another integration
    created = digest(berlin)
    trigger(berlin, [created["id"]], {"type": "api_changed"})
    other = berlin.integration(name="Other", emails="other@acme.io", events=["vuln"])
    # WHEN the API changes, and the other integration is disabled (a system notice about an integration)
    post(berlin, {"id": "api-1", "type": "api.changed", "time": clock.iso(clock.now()),
                  "data": {"change": "added", "method": "POST", "path": "/v1/items", "host": "api.acme.io"}})
    flush_groups(api, frozen_clock, pipeline)
    fired = berlin.call("GET", "/v1/triggers")[1]["items"][0]
    assert fired["last_outcome"] == "gathered into the digest of 1 integration: Digest hourly"
    assert berlin.call("POST", f"/v1/integrations/{other['id']}/disable")[0] == 200
    pipeline.drain()
    # THEN the notice reached the digest integration at once, the alert only in the digest
    [notice] = mails_to("digest@acme.io")
    assert "Integration disabled" in notice.subject
    run_pass(datetime(2026, 11, 25, 11, 5, tzinfo=UTC))
    [_, mail] = mails_to("digest@acme.io")
    assert "Trigger alerts: 1" in mail.text and "System" not in mail.text and "/v1/items" in mail.text


def test_test_integration_and_reports_are_never_digested(api, run_pass, pipeline, frozen_clock):
    # GIVEN a daily digest that also takes the daily report
    tenant = api.tenant("Acme", "sec@acme.io")
    created = tenant.integration(name="Digest", emails="digest@acme.io", events=["vuln", "report_daily"],
                                 notifications="daily")
    # WHEN it is tested, and the report scheduler runs after the day
    status, result = tenant.call("POST", f"/v1/integrations/{created['id']}/test")
    assert status == 200 and result["ok"], result
    tested = mails_to("digest@acme.io")
    frozen_clock.moment = datetime(2026, 11, 26, 0, 5, tzinfo=UTC)
    fire(api, "report_scheduler", "reports-1")
    while poll_once(get_settings().report_queue, lambda e: api.client.lambda_.invoke("report_worker", e).payload):
        pass
    pipeline.drain()
    # THEN the test samples and the report came at once, and the digest pass finds nothing to gather
    assert tested and all(mail.subject.startswith("[Test message]") for mail in tested)
    assert any(mail.attachments for mail in mails_to("digest@acme.io")[len(tested):])
    assert run_pass(datetime(2026, 11, 26, 0, 10, tzinfo=UTC)) == {"due": 0, "sent": 0}


def test_switching_back_to_instant_still_sends_the_begun_period(berlin, run_pass, pipeline):
    # GIVEN an hourly digest holding a notification
    created = digest(berlin)
    post(berlin, vuln("Gathered"))
    # WHEN it switches back to instant and another notification arrives
    status, body = berlin.call("PATCH", f"/v1/integrations/{created['id']}", {"notifications": "instant"})
    assert status == 200 and body["notifications"] == "instant"
    post(berlin, vuln("Instant again"))
    pipeline.drain()
    run_pass(datetime(2026, 11, 25, 11, 5, tzinfo=UTC))
    # THEN the new one came at once, and the begun hour still went out as a digest
    subjects = [mail.subject for mail in mails_to("digest@acme.io")]
    assert subjects[0].endswith("Instant again — api.acme.io") and subjects[1].startswith("Hourly digest: 1 ")


def gather_for_each(integrations: list[Integration], frequency: str) -> None:
    """One entry in the current period of each integration, written by the store's own operations, 50
    integrations per transaction (as ``digests_repo.collect`` writes one event's slots)."""
    period = period_containing(frequency, "UTC", clock.now())
    ops = [op for integration in integrations for op in digests_repo._ops(
        integration.tenant_id, digests_repo.Slot(integration.id, frequency, period.start, period.end),
        DigestEntry(source_id=f"e-{integration.tenant_id}", group="vuln_high", headline="SQLi", at=clock.now()))]
    per_transaction = 2 * digests_repo._PER_TRANSACTION  # two writes per integration
    for first in range(0, len(ops), per_transaction):
        assert transact(ops[first:first + per_transaction]) is None


@pytest.mark.parametrize("tenants", [100, 1000])
def test_a_quiet_pass_costs_the_same_at_100_and_1000_tenants(api, tenants):
    # GIVEN 100 or 1,000 integrations holding a daily digest that has not ended
    gather_for_each(default_integrations(tenants), "daily")
    # WHEN the digest pass runs
    with aws_requests() as counted:
        outcome = fire(api, "digest_pass", f"quiet-{tenants}")
    # THEN it asks each shard of the due index once, and nothing else but its idempotency record
    assert outcome == {"due": 0, "sent": 0}
    assert counted["dynamodb.Query"] == due_index.SHARDS
    assert sum(counted.values()) <= due_index.SHARDS + 3, counted


def test_a_busy_pass_costs_what_is_due(api, frozen_clock):
    # GIVEN 1,000 tenants, 60 of whose integrations hold an hourly digest
    gather_for_each(default_integrations(1000)[:60], "hourly")
    frozen_clock.moment = datetime(2026, 11, 25, 11, 5, tzinfo=UTC)
    # WHEN the pass runs after the hour
    with aws_requests() as counted:
        outcome = fire(api, "digest_pass", "busy")
    # THEN 60 digests are queued, each for a handful of requests on top of the quiet pass's
    assert outcome == {"due": 60, "sent": 60}
    assert counted["dynamodb.BatchGetItem"] == 2 and counted["dynamodb.Scan"] == 0
    per_digest = (sum(counted.values()) - due_index.SHARDS - 3) / 60
    assert per_digest <= 4.5, counted


def test_the_api_takes_reads_and_changes_the_choice(acme):
    # GIVEN an integration created in Wallarm's vocabulary with a daily digest, and one without the field
    status, created = acme.call("POST", "/v1/integrations", {"name": "Digest", "emails": "d@acme.io",
                                                             "events": ["report_weekly", "vuln", "system"],
                                                             "notifications": "daily"})
    assert status == 201 and created["notifications"] == "daily"
    assert created["events"] == ["report_weekly", "system", "vuln_high", "vuln_medium", "vuln_low"]
    assert acme.integration(name="Plain")["notifications"] == "instant"
    path = f"/v1/integrations/{created['id']}"
    # WHEN it is changed, and then given values it does not take
    assert acme.call("PATCH", path, {"notifications": "hourly"})[1]["notifications"] == "hourly"
    refused = [acme.call("PATCH", path, {"notifications": value}) for value in ("weekly", None, 1)]
    # THEN each refusal names the field and changes nothing
    assert [status for status, _ in refused] == [422, 422, 422]
    assert all(body["error"]["details"][0]["path"] == "notifications" for _, body in refused)
    assert acme.call("GET", path)[1]["notifications"] == "hourly"


def test_the_console_lists_the_choice_and_the_digest_in_the_log(api, berlin, run_pass):
    # GIVEN an hourly digest that went out
    created = digest(berlin)
    post(berlin, vuln("SQLi in /login"))
    run_pass(datetime(2026, 11, 25, 11, 5, tzinfo=UTC))
    console = Browser(api.client)
    assert console.sign_in(berlin.token).status == 303
    # WHEN the integrations page and the digest integration's delivery log are opened
    listing = console.get("/console/integrations").body
    log = console.get(f"/console/integrations/{created['id']}/deliveries").body
    # THEN the card names the choice and its last delivery, and the log lists the digest in words
    assert "<dt>Notifications</dt><dd>Hourly digest" in listing and "<dd>Instant</dd>" in listing
    assert "Hourly digest: 1 notification, 1 high-risk" in listing and "Hourly digest · " in log


def test_the_console_shows_when_the_next_digest_goes_out_and_what_waits(api, berlin, run_pass, frozen_clock):
    # GIVEN an hourly and a daily digest integration of a Berlin tenant, and three notifications at 10:20 UTC
    digest(berlin)
    berlin.integration(name="Daily", emails="daily@acme.io", events=["scope"], notifications="daily")
    frozen_clock.moment = datetime(2026, 11, 25, 10, 20, tzinfo=UTC)
    post(berlin, vuln("SQLi in /login"), vuln("XSS in /search", "low"), user("eve@acme.io"))
    console = Browser(api.client)
    assert console.sign_in(berlin.token).status == 303

    def card(name: str) -> str:
        listing = console.get("/console/integrations").body
        return listing.split(f">{name}</a></h2>", 1)[1].split('<li class="card integration"', 1)[0]

    # THEN the hourly card says three wait and the digest goes out after the hour (in Berlin's time)
    assert "3 notifications waiting · next digest about 25 Nov 2026, 12:02 CET" in card("Digest hourly")
    # AND the quiet daily one says nothing waits and when its day ends
    assert "Nothing waiting: this period (Wed 25 Nov 2026) ends 26 Nov 2026, 00:00 CET" in card("Daily")
    # WHEN the hour's digest has gone out, nothing waits any more
    run_pass(datetime(2026, 11, 25, 11, 5, tzinfo=UTC))
    assert mails_to("digest@acme.io") and "Nothing waiting: this period" in card("Digest hourly")


@pytest.mark.parametrize("notifications", ["hourly", "daily"])
def test_test_integration_sends_a_sample_digest_to_a_digest_integration(api, notifications):
    tenant = api.tenant("Acme", "sec@acme.io", timezone="Asia/Tokyo")
    created = tenant.integration(name="Digest", emails="digest@acme.io", events=["vuln_high", "scope"],
                                 notifications=notifications)
    status, result = tenant.call("POST", f"/v1/integrations/{created['id']}/test")
    assert status == 200 and result["ok"], result
    [step] = [step for step in result["steps"] if step["step"] == f"send_digest_{notifications}"]
    assert step["ok"] and step["subject"].startswith(f"[Test message] {notifications.capitalize()} digest: "
                                                     "2 notifications, 1 high-risk — ")
    [mail] = [m for m in mails_to("digest@acme.io") if "digest:" in m.subject]
    assert "test message" in mail.text and "Detected: [High]" in mail.text and "Scope changes: 1" in mail.text
    # an integration taking its notifications at once gets no digest sample
    instant = tenant.integration(name="Instant", emails="instant@acme.io", events=["scope"])
    steps = tenant.call("POST", f"/v1/integrations/{instant['id']}/test")[1]["steps"]
    assert not [step for step in steps if step["step"].startswith("send_digest")]
