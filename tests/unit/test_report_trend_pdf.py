"""The trend charts in the PDF: where each frequency puts them and what their titles and latest values say."""

import io

from pypdf import PdfReader

from chalicelib.models.security import HourlyAggregate, SecurityData
from chalicelib.models.trends import Rollup
from chalicelib.reports import trends
from chalicelib.reports.content import ReportData, build_report
from chalicelib.reports.pdf import render
from chalicelib.reports.periods import period_from_key

SLA = {"high": 7, "medium": 30, "low": 90}


def report(frequency: str, key: str, rollups: dict[str, Rollup]) -> ReportData:
    period = period_from_key(frequency, "Europe/Berlin", key)
    current = SecurityData(aggregates=[HourlyAggregate(hour=period.start, attacks=3, hits=5)])
    built = build_report("Acme", period, current, SecurityData(), generated_at=period.end, sla_days=SLA)
    return built.model_copy(update={"trends": trends.points(trends.window(period), rollups)})


def pages(document: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document)).pages]


def test_a_monthly_report_opens_with_its_twelve_months_and_their_latest_figures() -> None:
    november = Rollup(key="2026-11", attacks=1234, hits=5678, blocked=617, backlog={"high": 2, "medium": 3, "low": 4},
                      overdue=5, fixed=4, fix_seconds=4 * 3 * 86400, fixed_within_sla=3)
    first = pages(render(report("monthly", "2026-11", {"2026-11": november, "2026-02": Rollup(key="2026-02")})))[0]

    assert first.index("Last 12 months") < first.index("Summary")
    assert "2025-12 to 2026-11" in first
    for title, latest in (("Attacks", "1,234"), ("Hits", "5,678"), ("Blocked", "50%"),
                          ("Backlog at month end", "9"), ("Mean time to fix", "3.0 d"), ("Fixed within SLA", "75%"),
                          ("Overdue at month end", "5")):
        assert f"{title} {latest}" in first, title
    assert "Dec Jan Feb" in first and "Oct Nov" in first


def test_a_month_with_nothing_to_measure_shows_a_dash_not_zero() -> None:
    first = pages(render(report("monthly", "2026-11", {"2026-11": Rollup(key="2026-11", attacks=0)})))[0]
    assert "Blocked –" in first and "Mean time to fix –" in first and "Fixed within SLA –" in first


def test_weekly_and_daily_reports_show_their_weeks_and_days_after_the_headline_cards() -> None:
    weekly = " ".join(pages(render(report("weekly", "2026-W48", {}))))
    daily = " ".join(pages(render(report("daily", "2026-11-24", {}))))
    assert weekly.index("Open low-risk vulnerabilities") < weekly.index("Last 12 weeks") < weekly.index(
        "Attacks per day")
    assert "2026-W37 to 2026-W48" in weekly and "Backlog at week end" in weekly
    assert daily.index("Last 30 days") < daily.index("Attacks per hour")
    assert "2026-10-26 to 2026-11-24" in daily and "Overdue at day end" in daily
