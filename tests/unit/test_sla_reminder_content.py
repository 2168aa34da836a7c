"""What an SLA reminder lists and says, pure: the reports' own overdue rule (ages from detection or the last
reopening, the tenant's SLA), most overdue first, dates in the tenant's zone; the mail's preheader and escaping
(end to end: tests/scenario/test_sla_reminders.py)."""

from datetime import UTC, datetime

from chalicelib.email import reminders
from chalicelib.models.security import Observation, Observed, Risk, Vulnerability
from chalicelib.reports.content import overdue_rows

AT = datetime(2026, 11, 30, tzinfo=UTC)


def vulnerability(vid: str, risk: Risk, detected: datetime, *changes: tuple[datetime, Observed]) -> Vulnerability:
    observed = [Observation(at=detected, status="open"), *(Observation(at=at, status=s) for at, s in changes)]
    return Vulnerability(id=vid, at=detected, risk=risk, title=f"t-{vid}", host="h.example", observed=observed)


LEDGER = [
    vulnerability("fresh", "high", datetime(2026, 11, 25, tzinfo=UTC)),
    vulnerability("late-high", "high", datetime(2026, 11, 20, tzinfo=UTC)),
    vulnerability("late-low", "low", datetime(2026, 8, 1, tzinfo=UTC)),
    vulnerability("fixed", "high", datetime(2026, 10, 1, tzinfo=UTC), (datetime(2026, 11, 1, tzinfo=UTC), "closed")),
    vulnerability("reopened", "high", datetime(2026, 9, 1, tzinfo=UTC), (datetime(2026, 9, 5, tzinfo=UTC), "closed"),
                  (datetime(2026, 11, 28, tzinfo=UTC), "open")),
    vulnerability("not-yet", "medium", AT),  # detected at the very moment: not open before it
]


def test_the_overdue_are_listed_most_overdue_first_by_the_reports_rule() -> None:
    rows = overdue_rows(LEDGER, AT, {"high": 7, "medium": 30, "low": 90}, "UTC")

    assert [(row.id, row.days, f"{row.due:%Y-%m-%d}") for row in rows] == [
        ("late-low", 121, "2026-10-30"), ("late-high", 10, "2026-11-27")]


def test_the_tenants_sla_and_zone_decide() -> None:
    rows = overdue_rows(LEDGER, AT, {"high": 2, "medium": 30, "low": 200}, "Pacific/Kiritimati")  # UTC+14

    assert [(row.id, f"{row.due:%Y-%m-%d %H:%M}") for row in rows] == [
        ("late-high", "2026-11-22 14:00"), ("fresh", "2026-11-27 14:00")]  # the reopened one: from its reopening


def test_nothing_overdue_lists_nothing() -> None:
    assert overdue_rows(LEDGER[:1], AT, {"high": 7, "medium": 30, "low": 90}, "UTC") == []


def test_the_mail_counts_by_risk_escapes_titles_and_says_its_severity() -> None:
    hostile = vulnerability("x", "medium", datetime(2026, 9, 1, tzinfo=UTC))
    hostile = hostile.model_copy(update={"title": "<script>alert(1)</script>"})
    rows = overdue_rows([hostile, *LEDGER], AT, {"high": 7, "medium": 30, "low": 90}, "Europe/Berlin")

    content = reminders.mail("Acme", rows, AT, "Europe/Berlin", {"high": 7, "medium": 30, "low": 90})

    assert content.subject == "Overdue vulnerabilities — weekly reminder" and content.severity == "high"
    assert content.summary == "3 vulnerabilities past their SLA: 1 high, 1 medium, 1 low"
    assert "<script>" not in content.html and "&lt;script&gt;" in content.html
    assert "As of 2026-11-30 01:00 CET" in content.text
    assert reminders.summary(rows[:1]) == "1 vulnerability past their SLA: 1 medium"
