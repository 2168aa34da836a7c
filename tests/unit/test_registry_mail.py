"""Every registered event type's mail, built by the builder its registry entry names (``EVENTS[type].mail``), has a
subject: with the fewest fields its data model allows and with every field, as a Test-integration sample too. Pure:
no AWS is called (the same through the API: tests/scenario/test_notifications.py)."""

from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import jinja2
import pytest

from chalicelib import clock
from chalicelib.email import alerts, compose, notifications
from chalicelib.email.message import Content
from chalicelib.models.events import EVENTS, Event, Mail, own_id
from chalicelib.models.triggers import Tally, Trigger

AT = datetime(2026, 11, 25, 10, tzinfo=UTC)
ALERTS = ("alert_threshold", "alert_events")
VULNERABILITY = {"risk": "high", "title": "SQLi in the orders API", "type": "sqli", "host": "api.acme.io",
                 "path": "/v2/orders", "method": "GET", "parameter": "order_id", "id": "V-7",
                 "link": "https://platform.example/vulnerabilities/V-7"}
# Per type: its data with the fewest fields its model allows, and with many (a trigger's: its condition).
DATA: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "user.created": ({}, {"email": "eve@acme.io", "name": "Eve", "role": "admin", "actor": "alice@acme.io"}),
    "user.deleted": ({}, {"email": "eve@acme.io", "name": "Eve", "actor": "alice@acme.io"}),
    "user.role_changed": ({}, {"email": "eve@acme.io", "role": "viewer", "previous_role": "admin"}),
    "application.created": ({}, {"name": "Shop", "application_id": "7", "actor": "alice@acme.io"}),
    "application.deleted": ({}, {"name": "Shop", "application_id": "7"}),
    "application.renamed": ({}, {"name": "Shop", "previous_name": "Store", "application_id": "7"}),
    "vulnerability.detected": ({"risk": "low", "title": "t"}, VULNERABILITY),
    # what the router completes a status change to from the stored record
    "vulnerability.status_changed": ({"id": "V-7", "status": "closed", "risk": "low", "title": "t"},
                                     {**VULNERABILITY, "status": "open", "previous_status": "closed"}),
    "scope.changed": ({"changes": [{"kind": "host", "action": "added", "value": "a.io"}]},
                      {"changes": [{"kind": kind, "action": action, "value": f"{kind}-{action}.acme.io"}
                                   for kind in ("host", "service", "domain")
                                   for action in ("added", "removed", "changed")]}),
    "api.changed": ({}, {"change": "added", "method": "POST", "host": "api.acme.io", "path": "/v2/refunds"}),
    "attack.detected": ({"type": "sqli", "host": "api.acme.io"}, {"type": "sqli", "host": "api.acme.io", "hits": 3}),
    "incident.detected": ({}, {"title": "Data leak", "risk": "high", "host": "api.acme.io"}),
    "integration.disabled": ({"integration_id": "i", "name": ""},
                             {"integration_id": "i", "name": "Ops", "mode": "automatic", "reason": "failing",
                              "error": "MessageRejected", "failing_addresses": ["a@acme.io"], "dead_lettered": 2}),
    "integration.deleted": ({"integration_id": "i", "name": ""}, {"integration_id": "i", "name": "Ops",
                                                                  "actor": "alice@acme.io"}),
    "integration.degraded": ({"integration_id": "i", "name": ""}, {"integration_id": "i", "name": "Ops",
                                                                   "failing_addresses": ["a@acme.io"]}),
    "integration.recipient_unsubscribed": ({"integration_id": "i", "name": "", "address": "a@acme.io",
                                            "recipients_left": 0},
                                           {"integration_id": "i", "name": "Ops", "address": "a@acme.io",
                                            "recipients_left": 2}),
    "report.late": ({"reports": ["Daily report 2026-12-09, due 2026-12-10 00:00 (UTC)"], "hours": 2},
                    {"reports": [f"Daily report 2026-12-{day:02d}, due 2026-12-{day + 1:02d} 00:00 (UTC)"
                                 for day in range(1, 21)] + ["and 3 more"], "hours": 6}),
    "trigger.threshold": ({"type": "threshold", "metric": "incidents", "interval": "day", "threshold": 0},
                          {"type": "threshold", "metric": "attacks", "interval": "minute", "threshold": 5}),
    "trigger.api_changed": ({"type": "api_changed"}, {"type": "api_changed"}),
    "trigger.user_added": ({"type": "user_added"}, {"type": "user_added"}),
}


def event(event_type: str, data: dict[str, Any]) -> Event:
    event_id = own_id("e1") if EVENTS[event_type].origin == "service" else "e1"
    return Event(id=event_id, type=event_type, time=AT, data=data)


def alert(event_type: str, condition: dict[str, Any], variant: int) -> Content:
    """A trigger's alert, as the trigger evaluator has it built: from a window's tally or a group's events."""
    trigger = Trigger(id="t", tenant_id="acme", name="Watch", integration_ids=["i"], condition=condition,
                      created_at=AT, updated_at=AT)
    if EVENTS[event_type].mail == "alert_threshold":
        tally = Tally(count=6, events=6, itemised=6, amount=6, hits=9, types={"sqli": 6},
                      pairs={("sqli", "api.acme.io"): 6}) if variant else Tally()
        return alerts.threshold(trigger, "Acme", "Europe/Berlin", tally, AT, AT + timedelta(minutes=1))
    [fed_by] = [t for t, kind in EVENTS.items() if condition["type"] in kind.triggers]
    entries = [alerts.entry(event(fed_by, DATA[fed_by][variant])) for _ in range(1 + variant)]
    return alerts.group(trigger, "Acme", "Europe/Berlin", entries)


def test_every_builder_a_type_may_name_exists_and_every_registered_type_has_data_here() -> None:
    assert set(notifications.BUILDERS) | set(ALERTS) == set(get_args(Mail))
    assert set(DATA) == set(EVENTS)


@pytest.mark.parametrize("variant", [0, 1], ids=["fewest fields", "many fields"])
@pytest.mark.parametrize("event_type", list(EVENTS))
def test_every_registered_types_mail_builds_with_a_subject(event_type: str, variant: int,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "_source", lambda: AT + timedelta(days=3))
    kind, data = EVENTS[event_type], DATA[event_type][variant]
    if kind.mail is None:
        assert kind.subscription is None, f"{event_type} is routed to subscribers: it needs a mail"
        with pytest.raises(ValueError, match="not mailed on their own"):
            notifications.render(event(event_type, data), "Acme")
        return
    if kind.origin == "trigger":
        mails = [alert(event_type, data, variant)]
    else:
        mails = [notifications.render(event(event_type, data), "Acme", "Europe/Berlin", test=test)
                 for test in (False, True)]

    for mail in mails:
        assert mail.subject.strip() and mail.subject == mail.subject.strip(), (event_type, mail.subject)
        assert mail.summary and mail.text.strip() and "<html" in mail.html
        assert compose.environment().get_template(f"{kind.mail_template()}.txt")  # rendered with its own template


@pytest.mark.parametrize("event_type", [t for t, kind in EVENTS.items() if kind.mail_headline])
def test_a_types_mail_headline_is_its_mails_headline(event_type: str) -> None:
    mail = notifications.render(event(event_type, DATA[event_type][0]), "Acme")

    assert mail.summary.startswith(EVENTS[event_type].mail_headline.split("{")[0]), mail.summary


@pytest.mark.parametrize("change", [{"template": "own"}, {"template": "own", "mail_headline": ""}],
                         ids=["own template", "own template and no mail headline"])
@pytest.mark.parametrize("event_type", [t for t, kind in EVENTS.items() if kind.subscription == "system"])
def test_a_system_type_with_its_own_template_keeps_its_builders_subject(
        event_type: str, change: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    mail = notifications.render(event(event_type, DATA[event_type][1]), "Acme")
    own = jinja2.DictLoader({"own.html": "<html>{{ headline }}</html>", "own.txt": "{{ headline }}"})
    monkeypatch.setattr(compose, "environment", lambda: jinja2.Environment(loader=own, autoescape=True))
    monkeypatch.setitem(EVENTS, event_type, EVENTS[event_type]._replace(**change))

    own_mail = notifications.render(event(event_type, DATA[event_type][1]), "Acme")

    assert own_mail.html == f"<html>{own_mail.summary}</html>"
    if change.get("mail_headline") == "":  # the builder falls back on the type's headline in words
        assert EVENTS[event_type].headline in own_mail.subject, own_mail.subject
    else:
        assert own_mail.subject == mail.subject
