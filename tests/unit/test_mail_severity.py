"""The one severity mapping (chalicelib/email/severity.py): every mailed event type has one, decided from the
registry and the event's data; only high carries the urgent headers."""

from typing import get_args

import pytest

from chalicelib.email import severity
from chalicelib.models.deliveries import Severity
from chalicelib.models.events import EVENTS
from chalicelib.models.security import Risk


@pytest.mark.parametrize(("event_type", "data", "expected"), [
    ("vulnerability.detected", {"risk": "high"}, "high"),
    ("vulnerability.detected", {"risk": "medium"}, "medium"),
    ("vulnerability.detected", {"risk": "low", "status": "open"}, "low"),
    ("vulnerability.status_changed", {"risk": "medium", "status": "reopened"}, "medium"),
    ("vulnerability.status_changed", {"risk": "high", "status": "closed"}, "info"),
    ("vulnerability.status_changed", {"risk": "high", "status": "false_positive"}, "info"),
    ("trigger.threshold", {"metric": "attacks"}, "high"),
    ("trigger.user_added", {}, "medium"),
    ("trigger.api_changed", {}, "medium"),
    ("user.created", {}, "low"),
    ("application.renamed", {}, "low"),
    ("scope.changed", {}, "low"),
    ("integration.disabled", {}, "info"),
    ("integration.recipient_unsubscribed", {}, "info"),
    ("report.late", {}, "info"),
])
def test_a_mail_about_an_event_says_the_decided_severity(event_type: str, data: dict[str, str],
                                                         expected: Severity) -> None:
    assert severity.of_event(event_type, data) == expected


def test_every_mailed_event_type_has_a_severity() -> None:
    mailed = [event_type for event_type, kind in EVENTS.items() if kind.mail_template()]
    found = {event_type: severity.of_event(event_type, {"risk": "low"}) for event_type in mailed}
    assert set(found.values()) <= set(get_args(Severity)) and len(found) == len(mailed)


@pytest.mark.parametrize(("risks", "expected"), [
    (["low"], "low"), (["low", "medium", "low"], "medium"), (["medium", "high"], "high"), (["high"], "high"),
])
def test_an_sla_reminder_says_the_highest_risk_it_lists(risks: list[Risk], expected: Severity) -> None:
    assert severity.of_overdue(risks) == expected


@pytest.mark.parametrize("level", get_args(Severity))
def test_only_high_is_marked_urgent(level: Severity) -> None:
    urgent = [("Importance", "high"), ("Priority", "urgent")] if level == "high" else []
    assert severity.headers(level) == [("X-Email-Report-Severity", level), *urgent]
