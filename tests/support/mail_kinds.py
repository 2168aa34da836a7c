"""Every kind of mail the service sends, made end to end (HTTP in → workers → moto's SES) and read back as the raw
bytes SES got: one table, :data:`KINDS`, for the MIME checks (tests/scenario/test_mail_mime.py) and the screenshots
(tests/browser/test_mail_browser.py).

A new kind of mail is one more :class:`Kind` line: what makes the service send it (to one address of its own, or
to an address whose other mails come before or after; ``make`` may create what it needs first), the integration it
goes through and the thread it must carry. Kinds run in order, in one tenant, on the injected clock; each must make
exactly one message to its address.
"""

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from chalicelib import clock
from chalicelib.email import threads
from chalicelib.settings import get_settings
from local.outbox import messages
from local.pollers import poll_once
from tests.support.api import Api, TenantHandle
from tests.support.clock import FrozenClock
from tests.support.pipeline import Pipeline


@dataclass
class World:
    """The tenant the kinds are made in, what they need to make their mail, and the ids their threads use."""

    api: Api
    pipeline: Pipeline
    clock: FrozenClock
    tenant: TenantHandle
    ids: dict[str, str] = field(default_factory=dict)

    def post(self, event_type: str, at: datetime | None = None, **data: Any) -> None:
        event = {"id": f"kind-{uuid.uuid4().hex[:12]}", "type": event_type,
                 "time": clock.iso(at or self.clock.moment), "data": data}
        status, body = self.tenant.call("POST", "/v1/events", {"events": [event]})
        assert status == 202 and body["results"][0]["status"] == "accepted", body
        self.pipeline.drain()

    def flush_groups(self) -> None:
        """Let the event triggers' groups come due, run their flushes, then the deliveries."""
        self.clock.advance(seconds=get_settings().trigger_group_seconds + 1)
        invoke = self.api.client.lambda_.invoke
        while poll_once(get_settings().trigger_queue, lambda event: invoke("trigger_groups", event).payload):
            pass
        self.pipeline.drain()

    def fire(self, handler: str, when: datetime) -> None:
        """A new firing (not a repeated one) of the scheduled ``handler`` at ``when``."""
        self.clock.moment = when
        scheduled = self.api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
        self.api.client.lambda_.invoke(handler, {**scheduled, "id": str(uuid.uuid4())})

    def fire_reports(self, when: datetime) -> None:
        """The hourly report scheduler at ``when``, the report jobs it queued, then the deliveries."""
        self.fire("report_scheduler", when)
        invoke = self.api.client.lambda_.invoke
        while poll_once(get_settings().report_queue, lambda event: invoke("report_worker", event).payload):
            pass
        self.pipeline.drain()

    def test_draft(self, address: str, events: list[str]) -> None:
        """Test integration on an unsaved integration: its samples go straight to ``address``."""
        status, body = self.tenant.call("POST", "/v1/integrations/test",
                                        {"name": "Draft", "emails": address, "events": events})
        assert status == 200 and body["ok"], body


Thread = Callable[[World], str | None]


@dataclass(frozen=True)
class Kind:
    """One kind of mail: ``make`` has the service send it to ``to`` through ``integration`` (a name in
    :attr:`World.ids`; none for Test integration's drafts); ``thread`` is the key it must carry (none: it starts no
    thread); ``attachment`` whether a PDF comes with it."""

    name: str
    to: str
    integration: str | None
    make: Callable[[World], None]
    thread: Thread = lambda world: None
    attachment: bool = False


def _setup(world: World) -> None:
    """The integrations and triggers the kinds send through."""
    tenant = world.tenant
    for name, address, events in (("Ops", "ops@acme.io", ["system", "scope"]), ("SOC", "soc@acme.io", ["vuln_high"]),
                                  ("Watch", "watch@acme.io", ["vuln_low"]), ("Old", "old@acme.io", ["vuln_low"]),
                                  ("Weekly", "weekly@acme.io", ["report_weekly"])):
        world.ids[name] = tenant.integration(name=name, emails=address, events=events)["id"]
    world.ids["Overdue"] = tenant.integration(name="Overdue", emails="overdue@acme.io", events=["system"],
                                              sla_reminders=True)["id"]
    for name, condition in (("Spike", {"type": "threshold", "metric": "attacks", "interval": "minute",
                                       "threshold": 1}), ("Newcomers", {"type": "user_added"})):
        status, body = tenant.call("POST", "/v1/triggers", {"name": name, "integration_ids": [world.ids["Watch"]],
                                                            "condition": condition})
        assert status == 201, body
        world.ids[name] = body["id"]


def _attacks(world: World) -> None:
    for _ in range(2):
        world.post("attack.detected", type="sqli", host="api.acme.io", path="/v2/orders", hits=3)


def _next_minute_attacks(world: World) -> None:
    world.clock.advance(minutes=1)
    _attacks(world)


def _disable_old(world: World) -> None:
    status, body = world.tenant.call("POST", f"/v1/integrations/{world.ids['Old']}/disable")
    assert status == 200, body
    world.pipeline.drain()


def _over_the_attachment_limit(world: World) -> None:
    os.environ["REPORT_ATTACHMENT_LIMIT_BYTES"] = "1000"
    get_settings.cache_clear()
    try:
        world.fire_reports(datetime(2026, 12, 7, 0, 5, tzinfo=UTC))  # week 49 ended
    finally:
        del os.environ["REPORT_ATTACHMENT_LIMIT_BYTES"]
        get_settings.cache_clear()


def _unsubscribe_weekly(world: World) -> None:
    """weekly@ uses the one-click link of its last report mail: system subscribers hear of it."""
    [mail] = [mail for mail in messages() if mail.to == ["weekly@acme.io"]][-1:]
    assert mail.list_unsubscribe, mail.subject
    response = world.api.client.http.post(urlparse(mail.list_unsubscribe.strip("<>")).path,
                                          body="List-Unsubscribe=One-Click",
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.body
    world.pipeline.drain()


def _hourly_digest(world: World) -> None:
    """An hourly digest integration gathers the hour's notifications; the digest pass mails them after the hour."""
    world.ids["Digest"] = world.tenant.integration(name="Digest", emails="digest@acme.io", events=["system", "vuln"],
                                                   notifications="hourly")["id"]
    world.post("vulnerability.detected", **{**VULNERABILITY, "id": "V-8", "risk": "medium", "title": "Open redirect"})
    world.post("user.deleted", email="eve@acme.io", name="Eve", actor="alice@acme.io")
    hour = world.clock.moment.replace(minute=0, second=0, microsecond=0)
    world.fire("digest_pass", hour + timedelta(hours=1, minutes=5))
    world.pipeline.drain()


def _overdue_next_week(world: World) -> None:
    """A high-risk vulnerability that runs past its 7-day SLA the day before the next week ends (UTC): that week's
    end brings the Overdue integration its SLA reminder (weeks before listed nothing overdue)."""
    today = world.clock.moment.date()
    week_end = datetime.combine(today + timedelta(days=7 - today.weekday()), datetime.min.time(), UTC)
    world.post("vulnerability.detected", week_end - timedelta(days=8),
               **{**VULNERABILITY, "id": "V-9", "title": "Stale SQLi in the login API"})
    world.fire_reports(week_end + timedelta(minutes=5))


VULNERABILITY = {"id": "V-7", "risk": "high", "title": "SQLi in the orders API", "type": "sqli", "host": "api.acme.io",
                 "path": "/v2/orders", "method": "GET", "parameter": "order_id",
                 "link": "https://platform.example/vulnerabilities/V-7"}


def _vulnerability(world: World) -> str:
    return threads.vulnerability(world.tenant.id, "V-7")


def _trigger(name: str) -> Thread:
    return lambda world: threads.trigger(world.tenant.id, world.ids[name])


def _weekly(world: World) -> str:
    return threads.report(world.tenant.id, world.ids["Weekly"], "weekly")


KINDS: tuple[Kind, ...] = (
    Kind("system", "ops@acme.io", "Ops", lambda w: w.post("user.created", email="eve@acme.io", name="Eve",
                                                          role="admin", actor="alice@acme.io")),
    Kind("alert_events", "watch@acme.io", "Watch", World.flush_groups, _trigger("Newcomers")),  # eve, added above
    Kind("scope", "ops@acme.io", "Ops", lambda w: w.post("scope.changed", changes=[
        {"kind": "host", "action": "added", "value": "new.acme.io"},
        {"kind": "service", "action": "removed", "value": "ftp.acme.io:21"}])),
    Kind("integration_disabled", "ops@acme.io", "Ops", _disable_old),
    Kind("vulnerability_detected", "soc@acme.io", "SOC",
         lambda w: w.post("vulnerability.detected", w.clock.moment - timedelta(hours=1), **VULNERABILITY),
         _vulnerability),
    Kind("vulnerability_fixed", "soc@acme.io", "SOC",
         lambda w: w.post("vulnerability.status_changed", id="V-7", status="closed"), _vulnerability),
    Kind("alert_threshold", "watch@acme.io", "Watch", _attacks, _trigger("Spike")),
    Kind("alert_threshold_again", "watch@acme.io", "Watch", _next_minute_attacks, _trigger("Spike")),
    Kind("test_notification", "sample@acme.io", None, lambda w: w.test_draft("sample@acme.io", ["vuln_high"])),
    Kind("test_report", "sample-report@acme.io", None,
         lambda w: w.test_draft("sample-report@acme.io", ["report_weekly"]), attachment=True),
    Kind("report_attached", "weekly@acme.io", "Weekly",
         lambda w: w.fire_reports(datetime(2026, 11, 30, 0, 5, tzinfo=UTC)), _weekly, attachment=True),  # week 48
    Kind("report_linked", "weekly@acme.io", "Weekly", _over_the_attachment_limit, _weekly),
    Kind("recipient_unsubscribed", "ops@acme.io", "Ops", _unsubscribe_weekly),
    Kind("digest", "digest@acme.io", "Digest", _hourly_digest),
    Kind("sla_reminder", "overdue@acme.io", "Overdue", _overdue_next_week,
         lambda w: threads.sla_reminders(w.tenant.id, w.ids["Overdue"])),
)


@dataclass(frozen=True)
class Sent:
    """What a kind made: the raw message SES got, the id of the integration it went through, its thread key."""

    kind: Kind
    raw: bytes
    integration_id: str | None
    thread: str | None


_made: dict[str, Sent] = {}
_failed: list[str] = []


def made(api: Api, pipeline: Pipeline, frozen_clock: FrozenClock) -> dict[str, Sent]:
    """Every kind's message by kind name, made once per test session (by the first test that asks)."""
    if _failed:  # said once, by the first test; the others fail at once instead of making every kind again
        raise AssertionError(f"making the kinds of mail failed: {_failed[0]}")
    if _made:
        return _made
    world = World(api, pipeline, frozen_clock, api.tenant())
    try:
        _setup(world)
        for kind in KINDS:
            before = len(messages())
            kind.make(world)
            new = [mail for mail in messages()[before:] if mail.to == [kind.to]]
            assert len(new) == 1, f"{kind.name}: {len(new)} messages to {kind.to}: {[m.subject for m in new]}"
            _made[kind.name] = Sent(kind, new[0].raw, world.ids.get(kind.integration or ""), kind.thread(world))
    except Exception as error:
        _failed.append(repr(error))
        raise
    return _made
