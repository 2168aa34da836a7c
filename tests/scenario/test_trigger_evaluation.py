"""Triggers at ingest, on the injected clock: thresholds per window, filters, time zones, grouping, sending."""

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import clock
from chalicelib.events import ingest
from chalicelib.triggers.windows import window
from chalicelib.wiring import stores
from tests.support.api import Api, TenantHandle
from tests.support.clock import FrozenClock
from tests.support.concurrency import concurrently
from tests.support.events import attacks, threshold, trigger
from tests.support.lambdas import flush_groups
from tests.support.pipeline import Pipeline, outbox


def alerts() -> list[Any]:
    return [mail for mail in outbox() if "Trigger “" in mail.subject]  # "[Admin access] Trigger …" too


@pytest.fixture
def soc(acme: TenantHandle) -> dict[str, Any]:
    return acme.integration(name="SOC", emails="soc@acme.io")


def test_crossing_at_n_plus_one_fires_once_and_the_next_window_fires_again(
        acme: TenantHandle, soc: dict[str, Any], pipeline: Pipeline, frozen_clock: FrozenClock) -> None:
    created = trigger(acme, [soc["id"]], threshold(3))
    attacks(acme, 3)
    pipeline.drain()
    assert alerts() == []  # staying at N does not fire
    attacks(acme, 1)
    attacks(acme, 5)
    pipeline.drain()
    [mail] = alerts()
    assert mail.to == ["soc@acme.io"] and "more than 3 attacks in one minute" in mail.subject
    assert "Count: 4 (when it fired)" in mail.text and "2026-11-25 10:00 – 10:01 (UTC)" in mail.text
    assert "api.acme.io" in mail.text and "SQL injection (CWE-89 · A03:2021 Injection)" in mail.text
    assert acme.call("GET", f"/v1/triggers/{created['id']}")[1]["last_outcome"] == "sent to 1 integration: SOC"

    frozen_clock.advance(minutes=1)
    attacks(acme, 4)
    pipeline.drain()
    assert len(alerts()) == 2


def test_a_threshold_alert_names_sources_types_endpoints_blocking_and_when_it_was_sent(
        api: Api, pipeline: Pipeline, frozen_clock: FrozenClock) -> None:
    # GIVEN a Berlin tenant watching more than 4 attacks an hour
    tenant = api.tenant("Acme", "sec@acme.io", timezone="Europe/Berlin")
    soc = tenant.integration(name="SOC", emails="soc@acme.io")
    trigger(tenant, [soc["id"]], threshold(4, interval="hour"))
    frozen_clock.moment = datetime(2026, 11, 25, 10, 20, 5, tzinfo=UTC)  # 11:20:05 in Berlin

    # WHEN a burst from one German address and a few others crosses it
    attacks(tenant, 3, ip="203.0.113.7", country="DE", path="/v2/orders?order_id=1'--", blocked=True)
    attacks(tenant, 1, type="xss", host="www.acme.io", ip="2001:db8::5", path="/search")
    attacks(tenant, 1, type="brute", host="sso.acme.io", path="/login")
    pipeline.drain()

    # THEN the alert says who attacked what, how, whether it was blocked, what to do, and when it was sent
    [mail] = alerts()
    assert mail.subject == "Trigger “Watch”: more than 4 attacks in one hour"  # the same for each alert: a thread
    assert "Trigger “Watch”: more than 4 attacks in one hour — SQL injection on api.acme.io" in mail.text
    text = mail.text.replace("\r\n", "\n")
    assert "Window: 2026-11-25 11:00 – 12:00 (Europe/Berlin)" in text
    lines = text.rstrip().splitlines()
    footer = next(n for n, line in enumerate(lines) if line.startswith("Change what this integration receives"))
    assert "Sent: 2026-11-25 11:20:05 (Europe/Berlin)" in text and lines[footer - 1] == (
        "Sent 2026-11-25 11:20:05 (Europe/Berlin)")  # the time it was sent closes the mail, before the links
    assert "Blocked: 3 of 5 attacks blocked, 2 only monitored" in text
    assert "Top source IPs:\n  203.0.113.7 (Germany (DE)): 3 attacks\n  2001:db8::5: 1 attack\n" in text
    assert "Top attack types:\n  SQL injection (CWE-89 · A03:2021 Injection): 3 attacks\n" in text
    assert "  Cross-site scripting (CWE-79 · A03:2021 Injection): 1 attack\n" in text
    assert "  Brute force (CWE-307 · A07:2021 Identification and Authentication Failures): 1 attack\n" in text
    assert ("Top endpoints:\n  api.acme.io /v2/orders: 3 attacks\n" in text and "sso.acme.io /login: 1" in text
            and "order_id" not in text)
    assert "- SQL injection: Use parameterised queries" in text and "consider blocking mode" in text
    assert "sqli" not in text
    assert "203.0.113.7<br><span" in mail.html and "Germany (DE)" in mail.html


def test_a_filtered_alert_lists_only_what_its_filters_let_through(
        acme: TenantHandle, soc: dict[str, Any], pipeline: Pipeline) -> None:
    trigger(acme, [soc["id"]], threshold(2, ip=["10.0.0.0/8"], domain=["api.acme.io"]))
    attacks(acme, 2, ip="192.0.2.1", host="www.acme.io", path="/outside")
    attacks(acme, 3, ip="10.1.2.3", path="/inside")
    pipeline.drain()
    [mail] = alerts()
    assert "10.1.2.3: 3 attacks" in mail.text and "192.0.2.1" not in mail.text
    assert "api.acme.io /inside: 3 attacks" in mail.text and "/outside" not in mail.text


def test_hits_count_the_attack_hits(acme: TenantHandle, soc: dict[str, Any], pipeline: Pipeline) -> None:
    trigger(acme, [soc["id"]], threshold(100, metric="hits", interval="hour"))
    attacks(acme, 1, hits=60)
    attacks(acme, 1, hits=40)
    pipeline.drain()
    assert alerts() == []
    attacks(acme, 1, hits=1)
    pipeline.drain()
    assert len(alerts()) == 1 and "Count: 101" in alerts()[0].text


def test_incidents_count_incident_events(acme: TenantHandle, soc: dict[str, Any], pipeline: Pipeline) -> None:
    trigger(acme, [soc["id"]], threshold(1, metric="incidents", interval="day"))
    events = [{"id": f"i-{n}", "type": "incident.detected", "time": "2026-11-25T10:00:00Z",
               "data": {"title": "Breach", "host": "pay.acme.io", "attack_type": "rce"}} for n in range(2)]
    acme.call("POST", "/v1/events", {"events": events})
    pipeline.drain()
    [mail] = alerts()
    assert "pay.acme.io" in mail.text and "Remote code execution" in mail.text


def test_concurrent_increments_fire_exactly_once(acme: TenantHandle, soc: dict[str, Any], pipeline: Pipeline) -> None:
    trigger(acme, [soc["id"]], threshold(10))
    tenant_id = acme.id

    def worker(n: int) -> None:
        batch = [{"id": f"t{n}-{k}", "type": "attack.detected", "time": "2026-11-25T10:00:00Z",
                  "data": {"type": "xss", "host": "api.acme.io"}} for k in range(5)]
        for raw in batch:
            assert ingest.ingest(stores(), tenant_id, [raw]).results[0].status == "accepted"

    concurrently([lambda n=n: worker(n) for n in range(8)])  # re-raises what a thread raised
    pipeline.drain()
    [mail] = alerts()
    assert "Count: 11" in mail.text


def test_filters_any_of_and_none_of(acme: TenantHandle, soc: dict[str, Any], pipeline: Pipeline) -> None:
    trigger(acme, [soc["id"]], threshold(1, domain=["API.acme.io"], attack_type={"values": ["xss"], "exclude": True},
                                         ip=["10.0.0.0/8"]))
    attacks(acme, 2, host="www.acme.io", ip="10.1.1.1")  # other domain
    attacks(acme, 2, type="xss", ip="10.1.1.1")  # excluded type
    attacks(acme, 2, ip="192.168.0.1")  # outside the block
    attacks(acme, 2)  # no ip: fails "any of"
    pipeline.drain()
    assert alerts() == []
    attacks(acme, 2, ip="10.9.9.9")
    pipeline.drain()
    assert len(alerts()) == 1 and "Domain: any of API.acme.io" in alerts()[0].text


def test_day_windows_follow_the_tenants_midnight(api: Api, pipeline: Pipeline, frozen_clock: FrozenClock) -> None:
    tenant = api.tenant("LA", "sec@la.example", timezone="America/Los_Angeles")
    soc = tenant.integration(name="SOC", emails="soc@la.example")
    trigger(tenant, [soc["id"]], threshold(1, interval="day"))
    frozen_clock.moment = datetime(2026, 11, 25, 7, 58, tzinfo=UTC)  # 23:58 on the 24th in Los Angeles
    attacks(tenant, 2)
    frozen_clock.moment = datetime(2026, 11, 25, 7, 59, tzinfo=UTC)
    attacks(tenant, 2)
    pipeline.drain()
    assert len(alerts()) == 1 and "2026-11-24 00:00 – 2026-11-25 00:00 (America/Los_Angeles)" in alerts()[0].text
    frozen_clock.moment = datetime(2026, 11, 25, 8, 1, tzinfo=UTC)  # 00:01 on the 25th: a new day
    attacks(tenant, 2)
    pipeline.drain()
    assert len(alerts()) == 2


def test_the_dst_day_is_one_window_of_25_hours(api: Api, pipeline: Pipeline, frozen_clock: FrozenClock) -> None:
    start, end = window("day", datetime(2026, 11, 2, 7, 30, tzinfo=UTC), "America/Los_Angeles")
    assert (start, end) == (datetime(2026, 11, 1, 7, tzinfo=UTC), datetime(2026, 11, 2, 8, tzinfo=UTC))
    tenant = api.tenant("LA", "sec@la.example", timezone="America/Los_Angeles")
    soc = tenant.integration(name="SOC", emails="soc@la.example")
    trigger(tenant, [soc["id"]], threshold(1, interval="day"))
    frozen_clock.moment = datetime(2026, 11, 1, 7, 30, tzinfo=UTC)  # 00:30 PDT on the DST day
    attacks(tenant, 2)
    frozen_clock.moment = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)  # 23:30 PST: still the same day
    attacks(tenant, 2)
    pipeline.drain()
    assert len(alerts()) == 1



def test_a_burst_of_50_api_changes_is_one_email_listing_all(acme: TenantHandle, soc: dict[str, Any], api: Api,
                                                             pipeline: Pipeline, frozen_clock: FrozenClock) -> None:
    trigger(acme, [soc["id"]], {"type": "api_changed"})
    for n in range(50):
        event = {"id": f"api-{n}", "type": "api.changed", "time": "2026-11-25T10:00:00Z",
                 "data": {"change": "added", "method": "POST", "path": f"/v1/items/{n}", "host": "api.acme.io"}}
        assert acme.call("POST", "/v1/events", {"events": [event]})[0] == 202
        frozen_clock.advance(seconds=0.2)
    pipeline.drain()
    assert alerts() == []  # still grouping
    flush_groups(api, frozen_clock, pipeline)
    [mail] = alerts()
    assert mail.subject == "Trigger “Watch”: API changed" and "50 changes" in mail.text and "50 events" in mail.text
    listed = [line for line in mail.text.splitlines() if line.startswith("- ")]
    assert listed == [f"- 2026-11-25 10:00:00  added POST api.acme.io /v1/items/{n}" for n in range(50)]

    acme.call("POST", "/v1/events", {"events": [{"id": "api-late", "type": "api.changed",
                                                 "time": "2026-11-25T10:05:00Z", "data": {"path": "/late"}}]})
    flush_groups(api, frozen_clock, pipeline)
    assert len(alerts()) == 2 and "/late" in alerts()[1].text


def test_a_new_user_alert_says_who_and_with_which_role(acme: TenantHandle, soc: dict[str, Any], api: Api,
                                                       pipeline: Pipeline, frozen_clock: FrozenClock) -> None:
    trigger(acme, [soc["id"]], {"type": "user_added"})
    acme.call("POST", "/v1/events", {"events": [{"id": "u1", "type": "user.created", "time": "2026-11-25T10:00:00Z",
                                                 "data": {"email": "eve@acme.io", "name": "Eve", "role": "admin"}}]})
    flush_groups(api, frozen_clock, pipeline)
    [mail] = [m for m in alerts() if m.to == ["soc@acme.io"]]
    assert mail.subject == "[Admin access] Trigger “Watch”: new users added"
    assert "New user with an admin role: Eve <eve@acme.io> (admin)" in mail.text
    assert "Eve &lt;eve@acme.io&gt;" in mail.html  # escaped
    assert "role: admin (ADMIN ROLE)" in mail.text and "1 new user with an admin role." in mail.text
    assert "Sent 2026-11-25 10:01:01 (UTC)" in mail.text  # when it was sent, not when the user was added

    for n, role in enumerate(("viewer", "Administrator", "analyst")):
        acme.call("POST", "/v1/events", {"events": [{"id": f"u{n + 2}", "type": "user.created",
                                                     "time": "2026-11-25T10:02:00Z",
                                                     "data": {"email": f"u{n}@acme.io", "role": role}}]})
    flush_groups(api, frozen_clock, pipeline)
    mail = [m for m in alerts() if m.to == ["soc@acme.io"]][-1]
    assert "3 new users added, 1 with an admin role" in mail.text
    assert [line.endswith("(ADMIN ROLE)") for line in mail.text.splitlines() if line.startswith("- ")] == [
        False, True, False]


def test_a_trigger_whose_integrations_are_all_disabled_sends_nothing_and_says_why(
        acme: TenantHandle, soc: dict[str, Any], pipeline: Pipeline) -> None:
    created = trigger(acme, [soc["id"]], threshold(1))
    acme.call("POST", f"/v1/integrations/{soc['id']}/disable")
    attacks(acme, 2)
    pipeline.drain()
    assert alerts() == []
    [skipped] = [d for d in pipeline.deliveries() if d["kind"] == "alert"]  # SOC's log says why it got nothing
    assert skipped["status"] == "skipped" and skipped["reason"].startswith("the integration is disabled (manual)")
    outcome = acme.call("GET", f"/v1/triggers/{created['id']}")[1]["last_outcome"]
    assert outcome == "nothing sent: all its integrations are disabled: SOC (manual)"


def test_an_inactive_trigger_does_not_count(acme: TenantHandle, soc: dict[str, Any], pipeline: Pipeline) -> None:
    created = trigger(acme, [soc["id"]], threshold(2))
    attacks(acme, 2)
    acme.call("PATCH", f"/v1/triggers/{created['id']}", {"active": False})
    attacks(acme, 3)
    pipeline.drain()
    assert alerts() == []


def test_a_new_user_reaches_an_integration_once_as_the_trigger_alert(
        acme: TenantHandle, api: Api, pipeline: Pipeline, frozen_clock: FrozenClock) -> None:
    # GIVEN SOC subscribes to system mail and is told by a "New user" trigger; IT subscribes to system mail only
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["system"])
    acme.integration(name="IT", emails="it@acme.io", events=["system"])
    created = trigger(acme, [soc["id"]], {"type": "user_added"})

    def user(event_id: str, kind: str = "user.created") -> None:
        acme.call("POST", "/v1/events", {"events": [{"id": event_id, "type": kind, "time": clock.iso(clock.now()),
                                                     "data": {"email": "eve@acme.io", "role": "viewer"}}]})
        flush_groups(api, frozen_clock, pipeline)

    def mails() -> list[tuple[str, str]]:  # the primary integration (sec@acme.io) takes system mail too
        return [(m.to[0], m.subject) for m in outbox() if m.to != ["sec@acme.io"]]

    # WHEN a user is added
    user("u-1")
    # THEN SOC gets the trigger's alert and no system mail; IT gets the system mail
    assert mails() == [("it@acme.io", "New user added: eve@acme.io (viewer)"),
                       ("soc@acme.io", "Trigger “Watch”: new users added")]
    # a user deleted is no trigger's fact: both get it
    user("u-2", "user.deleted")
    assert sorted(to for to, _ in mails()[2:]) == ["it@acme.io", "soc@acme.io"]
    # with the trigger off, SOC is told by its system mail again
    acme.call("PATCH", f"/v1/triggers/{created['id']}", {"active": False})
    user("u-3")
    assert [subject for to, subject in mails()[4:] if to == "soc@acme.io"] == ["New user added: eve@acme.io (viewer)"]
