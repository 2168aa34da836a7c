"""Risk by asset, pure: open vulnerabilities at a period's end by host and application, worst first."""

from datetime import UTC, datetime

from chalicelib.models.security import Observation, SecurityData, Vulnerability
from chalicelib.reports.assets import by_asset
from chalicelib.reports.content import build_report
from chalicelib.reports.periods import period_from_key

SLA = {"high": 7, "medium": 30, "low": 90}
NOVEMBER = period_from_key("monthly", "UTC", "2026-11")
END = NOVEMBER.end


def found(vid: str, risk: str, host: str, *life: tuple[int, int, str], application: str = "") -> Vulnerability:
    """A vulnerability reported with each (month, day, status) of ``life`` in 2026."""
    return Vulnerability(id=vid, at=datetime(2026, life[0][0], life[0][1], tzinfo=UTC), risk=risk, title=vid,
                         host=host, application=application,
                         observed=[Observation(at=datetime(2026, m, d, tzinfo=UTC), status=s) for m, d, s in life])


LIVES = [
    found("a", "high", "pay.example", (11, 20, "open"), application="Checkout"),  # 11 d: overdue
    found("b", "low", "pay.example", (6, 1, "open"), application="Checkout"),  # 183 d: overdue (90)
    found("c", "high", "api.example", (11, 28, "open"), application="Public API"),  # 3 d: within
    found("d", "high", "api.example", (10, 1, "open"), (10, 9, "closed"), (11, 25, "open")),  # reopened: 6 d
    found("e", "medium", "api.example", (11, 2, "open"), (11, 5, "closed")),  # fixed: not open
    found("f", "medium", "cms.example", (9, 1, "open"), (11, 3, "false_positive")),  # not open
    found("g", "medium", "", (11, 1, "open"), application="Checkout"),  # no host: only under its application
    found("h", "low", "old.example", (11, 1, "open"), (12, 3, "closed")),  # closed after the end: open at it
]


def test_hosts_are_ranked_by_open_high_then_medium_then_low_with_oldest_and_overdue() -> None:
    rows = by_asset(LIVES, END, SLA, lambda v: v.host, top=10)
    assert [(r.name, r.open, r.oldest_days, r.overdue) for r in rows] == [
        ("api.example", {"high": 2, "medium": 0, "low": 0}, 6, 0),
        ("pay.example", {"high": 1, "medium": 0, "low": 1}, 183, 2),
        ("old.example", {"high": 0, "medium": 0, "low": 1}, 30, 0)]


def test_applications_when_events_name_them_and_the_top_is_a_limit() -> None:
    rows = by_asset(LIVES, END, SLA, lambda v: v.application, top=1)
    assert [(r.name, r.open, r.overdue) for r in rows] == [("Checkout", {"high": 1, "medium": 1, "low": 1}, 2)]
    assert by_asset(LIVES[4:6], END, SLA, lambda v: v.host, top=10) == []


def test_the_report_carries_both_tables_at_its_end() -> None:
    report = build_report("Acme", NOVEMBER, SecurityData(vulnerabilities=LIVES), SecurityData(), generated_at=END,
                          sla_days=SLA)
    assert [row.name for row in report.vulnerable_hosts] == ["api.example", "pay.example", "old.example"]
    assert [row.name for row in report.vulnerable_applications] == ["Checkout", "Public API"]
