"""Report content and its PDF, pure: the figures and rows of the data are in the extracted text (the same from
the store on moto: tests/scenario/test_security_repo.py)."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from chalicelib.models.reports import Figure
from chalicelib.models.security import Counts, HourlyAggregate, Incident, SecurityData, Vulnerability
from chalicelib.reports.content import build_report
from chalicelib.reports.demo import demo_report
from chalicelib.reports.pdf import render
from tests.support.samples import WEEK, text_of, vuln


def report_of(current: SecurityData, previous: SecurityData | None = None, name: str = "Acme Corp"):
    return build_report(name, WEEK, current, previous or SecurityData(), generated_at=WEEK.end)


def test_long_texts_wrap_whole_in_every_cell_and_heading():
    # GIVEN a long title, a status and a host longer than their columns, and a long company name
    long_title = "Blind SQL injection in the order export endpoint " + "with a very long explanation " * 12
    data = SecurityData(vulnerabilities=[vuln(1, long_title), vuln(2, "Short one")],
                        incidents=[Incident(id="i", at=WEEK.start, title="Login abuse", status="investigating",
                                            host="very-long-subdomain-name.eu-central-1.internal.acme.io")])
    name = "Acme Corporation International Holdings · Security Operations Centre Europe, Middle East and Africa"

    text, _ = text_of(render(report_of(data, name=name)))

    # THEN every text is there whole (lines joined), nothing cut with an ellipsis
    joined = " ".join(text.split())
    for expected in [long_title.strip(), "investigating", name, "Short one"]:
        assert expected in joined, expected
    assert "very-long-subdomain-name.eu-central-1.internal.acme.io" in text.replace("\n", "")
    assert "…" not in text


def test_markup_and_line_breaks_in_titles_are_printed_literally_on_one_line():
    hostile = "<script>alert(1)</script>\r\nSet-Cookie: x=1\t<b>bold</b>"
    pdf = render(report_of(SecurityData(vulnerabilities=[vuln(1, hostile, host="evil\nhost.io")])))

    text, _ = text_of(pdf)

    assert "<script>alert(1)</script> Set-Cookie: x=1 <b>bold</b>" in text.replace("\n", " ")
    assert "evil host.io" in text


def test_an_empty_period_gives_a_short_no_events_report():
    report = report_of(SecurityData(), SecurityData(incidents=[Incident(id="i", at=WEEK.start, title="x")]))

    text, pages = text_of(render(report))

    assert report.is_empty
    assert pages == 1
    assert "No events in this period" in text
    assert "Previous week: 0 attacks, 1 incidents." in text


def test_cyrillic_and_greek_names_survive_extraction():
    data = SecurityData(vulnerabilities=[vuln(1, "Внедрение SQL в /вход", host="δοκιμή.παράδειγμα.gr")],
                        incidents=[Incident(id="i", at=WEEK.start, title="Επίθεση ωμής βίας", host="пример.рф")])

    text, _ = text_of(render(report_of(data, name="ООО «Ромашка» · Ακμή")))

    for expected in ["ООО «Ромашка» · Ακμή", "Внедрение SQL в /вход", "δοκιμή.παράδειγμα.gr", "Επίθεση ωμής βίας",
                     "пример.рф"]:
        assert expected in text, expected


def test_chinese_japanese_and_korean_text_is_printed_in_the_cjk_font_only_where_needed():
    data = SecurityData(vulnerabilities=[vuln(1, "SQLインジェクション in /ログイン", host="api.例え.jp"),
                                         vuln(2, "跨站脚本攻击 (XSS) 在 /搜索" + " 很长的说明" * 30),
                                         vuln(3, "SQL 인젝션 취약점", risk="low")],
                        incidents=[Incident(id="i", at=WEEK.start, title="ブルートフォース攻撃", host="東京.example")])

    pdf = render(report_of(data, name="東京セキュリティ株式会社 · 서울 Ltd."))
    text, _ = text_of(pdf)

    for expected in ["東京セキュリティ株式会社 · 서울 Ltd.", "SQLインジェクション in /ログイン", "api.例え.jp",
                     "跨站脚本攻击 (XSS) 在 /搜索", "SQL 인젝션 취약점", "ブルートフォース攻撃", "東京.example"]:
        assert expected in text, expected
    assert "很长的说明" * 3 in text.replace("\n", "").replace(" ", "")  # measured in CJK widths, wrapped
    assert b"WenQuanYi" in pdf
    assert b"WenQuanYi" not in render(report_of(SecurityData(vulnerabilities=[vuln(1, "SQL injection")])))


def test_vulnerabilities_are_grouped_by_risk_high_first():
    data = SecurityData(vulnerabilities=[vuln(1, "Low thing", "low"), vuln(2, "High thing", "high"),
                                         vuln(3, "Medium thing", "medium")])

    text, _ = text_of(render(report_of(data)))

    assert text.index("High risk") < text.index("High thing") < text.index("Medium risk") < text.index(
        "Medium thing") < text.index("Low risk") < text.index("Low thing")


def test_thousands_of_rows_render_on_numbered_pages():
    report = demo_report("monthly", "Asia/Tokyo", "2026-10", vulnerabilities=1500, incidents=500)

    text, pages = text_of(render(report))

    assert pages > 20
    assert f"Page {pages} of {pages}" in text
    assert report.vulnerabilities[-1].title in text


@pytest.mark.parametrize("timezone,key,bars", [("America/Los_Angeles", "2026-11-01", 25),
                                               ("America/Los_Angeles", "2026-03-08", 23),
                                               ("Asia/Kolkata", "2026-11-24", 24)])
def test_a_daily_report_charts_each_local_hour(timezone, key, bars):
    report = demo_report("daily", timezone, key)

    assert report.timeline_unit == "hour"
    assert len(report.timeline) == bars
    assert sum(b.attacks for b in report.timeline) == report.attacks.value
    assert "Attacks per hour" in text_of(render(report))[0]


def test_a_monthly_report_charts_each_local_day():
    report = demo_report("monthly", "America/Los_Angeles", "2026-11")

    assert [b.label for b in report.timeline] == [str(day) for day in range(1, 31)]
    assert sum(b.attacks for b in report.timeline) == report.attacks.value


def test_change_against_the_previous_period():
    assert Figure(value=150, previous=100).percent == 50.0
    assert Figure(value=0, previous=4).change == -4
    assert Figure(value=3, previous=0).percent is None
    # the backlog at the previous week's end comes from the records' history: one open since before the week
    # and still open, one open before and fixed in the week, one found in the week
    before = WEEK.start - timedelta(days=3)
    report = report_of(SecurityData(vulnerabilities=[
        Vulnerability(id="v1", at=before, risk="high", title="x"),
        Vulnerability(id="v2", at=before, risk="high", title="y").observe(WEEK.start + timedelta(days=1), "closed"),
        vuln(3, "z")]))
    assert report.open_vulnerabilities["high"] == Figure(value=2, previous=2)
    assert "no change vs previous week" in text_of(render(report))[0]


def test_generated_at_is_shown_in_the_tenant_zone():
    report = report_of(SecurityData(vulnerabilities=[vuln(1, "x")]))
    assert report.generated_at == datetime(2026, 11, 29, 23, tzinfo=UTC)
    assert "generated 30 November 2026 00:00 CET" in text_of(render(report))[0]


def attacks_hour(n: int, attacks: int, blocked: int, **dimensions: str) -> HourlyAggregate:
    """An hour with ``attacks`` attacks of one type, host, IP, country and endpoint (``dimensions``)."""
    return HourlyAggregate(hour=WEEK.start + timedelta(hours=n), attacks=attacks, hits=attacks * 2, blocked=blocked,
                           **{dimension: {name: Counts(attacks=attacks, hits=attacks * 2)}
                              for dimension, name in dimensions.items()})


def test_the_first_page_summarises_and_the_attack_sections_break_attacks_down():
    # GIVEN a week of attacks from two sources, and a previous week with fewer
    current = SecurityData(aggregates=[
        attacks_hour(1, 30, 24, types="sqli", hosts="api.acme.io", ips="203.0.113.7", countries="DE",
                     endpoints="api.acme.io /v2/orders"),
        attacks_hour(2, 10, 0, types="bola", hosts="api.acme.io", ips="198.51.100.1",
                     endpoints="api.acme.io /v2/users/{id}")])
    previous = SecurityData(aggregates=[HourlyAggregate(hour=WEEK.start - timedelta(days=1), attacks=20, hits=40)])

    pdf = render(report_of(current, previous))
    first = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    text, _ = text_of(pdf)

    # THEN the first page says what changed and what was worst, in sentences
    for expected in ["Summary", "WHAT CHANGED",
                     "40 attacks (80 hits) this week, 100% more than the previous week (20).",
                     "The platform blocked 24 (60%); 16 (40%) were only monitored.", "WORST",
                     "Most frequent attack type: SQL injection, 30 attacks (75% of all).",
                     "Most attacked endpoint: api.acme.io /v2/orders (30 attacks).",
                     "Top source IP: 203.0.113.7 (30 attacks); top country: Germany (DE) (30 attacks)."]:
        assert expected in " ".join(first.split()), expected
    # AND the sections break the attacks down by OWASP category, endpoint, source and blocking
    flat = " ".join(text.split())
    for expected in ["OWASP Top 10 (2021)", "A03:2021 Injection", "A01:2021 Broken Access Control",
                     "OWASP API Security Top 10 (2023)", "API1:2023 Broken Object Level Authorization",
                     "SQL injection · A03 Injection"]:
        assert expected in flat, expected
    assert "API8" not in flat  # no API category fits an injection
    for expected in ["Attacked endpoints", "api.acme.io /v2/users/{id}",
                     "Source IPs", "198.51.100.1", "Countries", "Blocked 24 (60%)", "Monitored only 16 (40%)",
                     "Broken object level authorization"]:
        assert expected in text, expected


def test_without_data_for_the_previous_period_nothing_is_marked_up_or_new():
    current = SecurityData(aggregates=[attacks_hour(1, 5, 5, types="xss")],
                           incidents=[Incident(id="i", at=WEEK.start, title="Scan", status="resolved")])

    text, _ = text_of(render(report_of(current)))

    assert "5 attacks (10 hits) this week; the previous week has no data to compare with." in " ".join(text.split())
    assert "none in previous week" in text
    assert "▲" not in text and "▼" not in text and "new:" not in text
    assert "Not known: the attacks carried no country." in text


def test_an_empty_preview_of_a_running_period_says_partial_and_so_far():
    report = build_report("Acme Corp", WEEK, SecurityData(), SecurityData(), partial=True,
                          generated_at=WEEK.start + timedelta(days=2, hours=11))

    text, pages = text_of(render(report))

    assert pages == 1
    for expected in ["Partial period: this week ends on 29 November 2026.",
                     "recorded until 25 November 2026 11:00 CET", "No events in this period",
                     "were recorded for this week so far."]:
        assert expected in text, expected
