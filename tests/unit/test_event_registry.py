"""The event registry (``chalicelib.models.events.EVENTS``): every type complete, every subscribable type reaching
subscribers, every type the code names registered. Pure: no AWS is called."""

import ast
import re
import string
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from chalicelib import clock
from chalicelib.email import compose
from chalicelib.events import router, words
from chalicelib.events.bridge import SOURCE
from chalicelib.models.events import (
    EVENT_DATA,
    EVENT_TYPES,
    EVENTS,
    OWN_ID_PREFIX,
    REPORT_EVENTS,
    VULN_EVENTS,
    Event,
    EventData,
    PlatformEvent,
    PlatformEventType,
    ServiceEventType,
    alert_type,
    own_id,
)
from chalicelib.models.triggers import Condition, TriggerMetric

ROOT = Path(__file__).resolve().parents[2]
RISKS = ("high", "medium", "low")
# The fields the system notices fill in a mail headline (email/notifications.py).
HEADLINE_FIELDS = {"user", "as_role", "role", "name", "previous_name"}


def condition_types() -> list[str]:
    [union, _] = get_args(Condition)
    return [get_args(model.model_fields["type"].annotation)[0] for model in get_args(union)]


@pytest.mark.parametrize("event_type", list(EVENTS))
def test_every_registered_type_has_every_part(event_type: str) -> None:
    kind = EVENTS[event_type]
    assert re.fullmatch(r"[a-z]+\.[a-z_]+", event_type)
    assert issubclass(kind.data, BaseModel)
    assert kind.headline and kind.headline[0].isupper()
    if kind.origin == "trigger":
        assert kind.subscription is None, "an alert goes to its trigger's integrations"
        assert kind.data.model_fields["type"].annotation.__args__ == (event_type.removeprefix("trigger."),)
    else:
        assert issubclass(kind.data, EventData)
    if kind.subscription is not None or kind.origin == "trigger":
        assert kind.mail, f"{event_type} is mailed: it needs a builder (tests/unit/test_registry_mail.py)"
    if kind.mail_template():
        for suffix in ("html", "txt"):
            assert (compose.TEMPLATES / f"{kind.mail_template()}.{suffix}").is_file()
    if kind.mail_headline:  # whatever the template, and read (tests/unit/test_registry_mail.py)
        fields = {name for _, name, _, _ in string.Formatter().parse(kind.mail_headline) if name}
        assert fields <= HEADLINE_FIELDS, kind.mail_headline


def test_validation_and_the_eventbridge_rule_take_their_types_from_the_registry() -> None:
    events = {kind: [t for t, k in EVENTS.items() if k.origin == kind] for kind in ("platform", "service")}
    assert list(get_args(PlatformEventType)) == events["platform"]
    assert list(get_args(ServiceEventType)) == events["service"]
    assert list(get_args(Event.model_fields["type"].annotation)) == events["platform"] + events["service"]
    assert set(EVENT_DATA) == set(events["platform"] + events["service"])
    from app import app  # the EventBridge rule

    [rule] = [source.event_pattern for source in app.event_sources if hasattr(source, "event_pattern")]
    assert rule["detail-type"] == events["platform"]


def test_events_from_outside_take_only_the_platform_types() -> None:
    events = [t for t, k in EVENTS.items() if k.origin == "platform"]
    assert list(get_args(PlatformEvent.model_fields["type"].annotation)) == events


@given(st.from_regex(r"[A-Za-z0-9._:@/+=#-]{1,40}", fullmatch=True), st.text(min_size=1, max_size=20))
def test_no_id_a_producer_may_post_is_one_of_ours(posted: str, ours: str) -> None:
    producer = {"id": posted, "type": "user.created", "time": clock.now(), "data": {}}
    try:
        PlatformEvent.model_validate(producer)
    except ValidationError:
        return
    assert not posted.startswith(OWN_ID_PREFIX) and own_id(ours).startswith(OWN_ID_PREFIX)
    with pytest.raises(ValidationError, match="must start with 'svc#'"):
        Event(id=posted, type="integration.deleted", time=clock.now(), data={"integration_id": "i", "name": "n"})


def routed(event_type: str, risk: str = "high") -> str | None:
    data = {"risk": risk, "title": "SQL injection"}  # what the router completes a vulnerability event to
    event_id = "e1" if EVENTS[event_type].origin == "platform" else own_id("e1")
    return router.subscription(Event(id=event_id, type=event_type, time=clock.now(), data=data))


@pytest.mark.parametrize("event_type", [t for t, kind in EVENTS.items() if kind.subscription])
def test_every_subscribable_type_routes_to_a_kind_integrations_can_subscribe_to(event_type: str) -> None:
    kinds = {routed(event_type, risk) for risk in RISKS}
    if EVENTS[event_type].subscription == "vuln":
        assert kinds == set(VULN_EVENTS)
    assert kinds <= set(EVENT_TYPES)
    assert all(kind in words.SUBSCRIPTIONS for kind in kinds)


def test_every_notification_kind_is_fed_by_some_event_type() -> None:
    fed = {routed(t, risk) for t, kind in EVENTS.items() if kind.subscription for risk in RISKS}
    assert fed == set(EVENT_TYPES) - set(REPORT_EVENTS)
    unmailed = [t for t, kind in EVENTS.items() if kind.origin != "trigger" and not kind.subscription]
    assert unmailed and all(routed(t) is None for t in unmailed)


def test_every_trigger_condition_is_fed_by_one_event_type_and_has_an_alert() -> None:
    feeds = [(fed, t) for t, kind in EVENTS.items() for fed in kind.triggers]
    fed = [name for name, _ in feeds]
    grouped = [name for name in condition_types() if name != "threshold"]  # the others fire per event
    assert sorted(fed) == sorted([*get_args(TriggerMetric), *grouped])
    assert all(EVENTS[t].origin == "platform" for _, t in feeds)
    assert all(alert_type(condition) in EVENTS for condition in condition_types())


def event_type_literals() -> dict[str, set[str]]:
    """Every string in the app's code that looks like an event type (``word.word``), and where."""
    found: dict[str, set[str]] = {}
    for path in [*(ROOT / "chalicelib").rglob("*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"[a-z]+\.[a-z_]+", node.value) and node.value != SOURCE \
                    and node.value.rsplit(".", 1)[1] not in ("html", "txt", "css", "js", "json", "pdf", "png"):
                found.setdefault(node.value, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_event_type_the_code_names_is_registered() -> None:
    found = event_type_literals()
    assert {"user.created", "vulnerability.detected", "integration.disabled"} <= set(found)  # the scan sees them
    unregistered = {value: sorted(paths) for value, paths in found.items() if value not in EVENTS}
    assert not unregistered, f"event types used but not in chalicelib.models.events.EVENTS: {unregistered}"


def test_the_console_words_are_the_registry_headlines() -> None:
    assert words.event("user.created") == "User added"
    assert words.event("vulnerability.detected", "vuln_high") == "Vulnerability detected (high risk)"
    assert words.event("trigger.threshold") == "Threshold alert"
    assert all(words.event(t) == kind.headline for t, kind in EVENTS.items())
