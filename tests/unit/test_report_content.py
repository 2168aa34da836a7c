"""Report content, pure: the attack breakdowns from hourly aggregates and the summary in sentences."""

from datetime import timedelta

from chalicelib.email.reports import change
from chalicelib.models.reports import Figure, ReportFigure
from chalicelib.models.security import Counts, HourlyAggregate, Incident, SecurityData
from chalicelib.reports.attacks import OTHER
from chalicelib.reports.content import (
    ReportData,
    Sentence,
    VulnerabilityFigures,
    build_report,
)
from chalicelib.reports.periods import period_from_key
from chalicelib.reports.summary import summarise

WEEK = period_from_key("weekly", "Europe/Berlin", "2026-W48")


def hour(n: int, blocked: int = 0, **dimensions: dict[str, tuple[int, int]]) -> HourlyAggregate:
    """An hour of the week; ``dimensions`` name → (attacks, hits); the totals are those of ``types``."""
    counts = {dimension: {name: Counts(attacks=a, hits=h) for name, (a, h) in values.items()}
              for dimension, values in dimensions.items()}
    types = counts.get("types", {})
    return HourlyAggregate(hour=WEEK.start + timedelta(hours=n), attacks=sum(c.attacks for c in types.values()),
                           hits=sum(c.hits for c in types.values()), blocked=blocked, **counts)


def report(current: SecurityData, previous: SecurityData | None = None, top: int = 10) -> ReportData:
    return build_report("Acme", WEEK, current, previous or SecurityData(), generated_at=WEEK.end, top=top)


def texts(sentences: list[Sentence]) -> list[str]:
    return [sentence.text for sentence in sentences]


TRAFFIC = SecurityData(aggregates=[
    hour(1, blocked=30, types={"sqli": (20, 200), "bola": (10, 30), "weird_thing": (5, 5)},
         hosts={"api.acme.io": (35, 235)},
         ips={"203.0.113.7": (25, 100), "198.51.100.1": (10, 140)}, countries={"DE": (25, 100), "US": (10, 140)},
         endpoints={"api.acme.io /v2/orders": (30, 60), "api.acme.io /login": (5, 175)}),
    hour(30, blocked=5, types={"SQLI": (4, 4), "xss": (6, 6)}, hosts={"www.acme.io": (10, 10)},
         ips={"198.51.100.1": (20, 5), "192.0.2.9": (1, 1)}, countries={"US": (21, 6)},
         endpoints={"www.acme.io /search": (10, 10)}),
])


def test_source_ips_carry_their_country_when_the_events_gave_one():
    labelled = TRAFFIC.model_copy(update={"aggregates": [
        TRAFFIC.aggregates[0].model_copy(update={"ip_countries": {"203.0.113.7": "DE"}}), TRAFFIC.aggregates[1]]})

    assert [r.name for r in report(labelled).top_ips] == ["198.51.100.1", "203.0.113.7 (DE)", "192.0.2.9"]


def test_attack_breakdowns_add_up_the_hours():
    data = report(TRAFFIC)

    assert data.attacks == Figure(value=45, previous=0) and data.blocked == Figure(value=35, previous=0)
    assert [(r.name, r.attacks, r.hits) for r in data.top_ips] == [
        ("198.51.100.1", 30, 145), ("203.0.113.7", 25, 100), ("192.0.2.9", 1, 1)]
    assert [(r.name, r.attacks) for r in data.top_countries] == [
        ("United States of America (US)", 31), ("Germany (DE)", 25)]
    assert [(r.name, r.attacks) for r in data.top_endpoints] == [
        ("api.acme.io /v2/orders", 30), ("www.acme.io /search", 10), ("api.acme.io /login", 5)]


def test_attack_types_are_named_in_words_and_the_same_type_in_other_case_is_one():
    data = report(TRAFFIC)

    assert [(r.name, r.attacks) for r in data.top_attack_types] == [
        ("SQL injection", 24), ("Broken object level authorization", 10), ("Cross-site scripting", 6),
        ("Weird thing", 5)]


def test_owasp_top_10_in_the_lists_order_with_unknown_types_last_as_other():
    data = report(TRAFFIC)

    assert [(r.name, r.attacks) for r in data.owasp] == [
        ("A01:2021 Broken Access Control", 10), ("A03:2021 Injection", 30), (OTHER, 5)]
    # the API Top 10 (2023) has no injection category: SQL injection and XSS count under Other, not API8
    assert [(r.name, r.attacks) for r in data.owasp_api] == [
        ("API1:2023 Broken Object Level Authorization", 10), (OTHER, 35)]


def test_each_attack_type_carries_its_owasp_top_10_category():
    data = report(TRAFFIC)

    assert [(r.name, r.category) for r in data.top_attack_types] == [
        ("SQL injection", "A03:2021 Injection"),
        ("Broken object level authorization", "A01:2021 Broken Access Control"),
        ("Cross-site scripting", "A03:2021 Injection"), ("Weird thing", "")]


def test_top_lists_are_bounded():
    data = report(TRAFFIC, top=1)

    assert [r.name for r in data.top_ips] == ["198.51.100.1"]
    assert [r.name for r in data.top_endpoints] == ["api.acme.io /v2/orders"]
    assert len(data.owasp) == 3  # every category: it is a breakdown, not a top list


def test_summary_says_what_changed_and_what_was_worst():
    # GIVEN a week of traffic and a quieter previous week with an incident
    previous = SecurityData(aggregates=[hour(-100, types={"sqli": (30, 60)})],
                            incidents=[Incident(id="i0", at=WEEK.start - timedelta(days=1), title="Old")])
    current = TRAFFIC.model_copy(update={"incidents": [
        Incident(id="i1", at=WEEK.start, title="Takeover", risk="high", status="investigating"),
        Incident(id="i2", at=WEEK.start, title="Scan", risk="low", status="resolved")]})

    summary = summarise(report(current, previous))

    assert texts(summary.changed) == [
        "45 attacks (245 hits) this week, 50% more than the previous week (30).",
        "The platform blocked 35 (78%); 10 (22%) were only monitored.",
        "2 incidents this week, 100% more than the previous week (1).",
        "No vulnerability is open at the week's end.",
    ]
    assert [s.tone for s in summary.changed[:3]] == ["worse", "neutral", "worse"]
    assert texts(summary.worst) == [
        "Most frequent attack type: SQL injection, 24 attacks (53% of all).",
        "Most attacks fall under OWASP A03:2021 Injection (67%).",
        "Most attacked endpoint: api.acme.io /v2/orders (30 attacks).",
        "Top source IP: 198.51.100.1 (30 attacks); top country: United States of America (US) (31 attacks).",
    ]
    assert texts(summary.overdue) == ["1 incident of this week is not resolved yet (1 of high risk)."]
    assert summary.overdue[0].tone == "alert"


def test_without_data_for_the_previous_period_the_summary_compares_nothing():
    summary = summarise(report(TRAFFIC))

    assert texts(summary.changed)[0] == \
        "45 attacks (245 hits) this week; the previous week has no data to compare with."
    assert {s.tone for s in summary.changed} == {"neutral"}
    assert not any(word in text for text in texts(summary.changed)
                   for word in ("more than", "fewer than", "up from", "down from"))


def test_fewer_attacks_read_better_and_a_tiny_change_is_never_zero_percent():
    previous = SecurityData(aggregates=[hour(-100, types={"sqli": (46, 46)})])

    [attacks, *_] = summarise(report(TRAFFIC, previous)).changed

    assert attacks == Sentence(text="45 attacks (245 hits) this week, 2% fewer than the previous week (46).",
                               tone="better")
    assert Figure(value=9_999, previous=10_000).percent_words == "<1%"
    assert change(ReportFigure(name="a", label="A", value=9_999, previous=10_000), "week") == \
        "-1, -<1% vs previous week"


def test_nothing_blocked_and_all_blocked():
    unblocked = report(SecurityData(aggregates=[hour(1, types={"xss": (4, 4)})]))
    blocked = report(SecurityData(aggregates=[hour(1, blocked=4, types={"xss": (4, 4)})]))

    assert texts(summarise(unblocked).changed)[1] == "None was blocked: all 4 were only monitored."
    assert texts(summarise(blocked).changed)[1] == "The platform blocked 4 (100%), all of them."


def test_a_partial_period_says_so_far_and_does_not_judge_the_change():
    previous = SecurityData(aggregates=[hour(-100, types={"sqli": (300, 300)})])
    data = build_report("Acme", WEEK, TRAFFIC, previous, generated_at=WEEK.start + timedelta(days=2), partial=True)

    changed = summarise(data).changed

    assert changed[0] == Sentence(text="45 attacks (245 hits) this week so far (the whole previous week: 300).")
    assert changed[3].text == "No vulnerability is open now."


def test_vulnerability_figures_in_sentences():
    # GIVEN a backlog at the week's end and the lifecycle figures of the week (as d-vulns' build fills them)
    data = report(TRAFFIC, SecurityData(aggregates=[hour(-100, types={"xss": (1, 1)})])).model_copy(update={
        "open_vulnerabilities": {"high": Figure(value=3, previous=1), "medium": Figure(value=2, previous=2),
                                 "low": Figure(value=0, previous=1)},
        "vulnerability_figures": VulnerabilityFigures(
            new={"high": 2, "low": 1}, fixed={"medium": 2, "low": 1}, reopened={"high": 1}, false_positives=1,
            oldest_open_days={"high": 41, "medium": 12}, overdue={"high": 1, "medium": 2},
            sla_days={"high": 7, "medium": 30, "low": 90}, mean_days_to_fix=6.54)})

    summary = summarise(data)

    assert texts(summary.changed)[3:] == [
        "5 vulnerabilities open at the week's end (3 high-risk, 2 medium-risk), up from 4.",
        "This week: 3 vulnerabilities found (2 high-risk, 1 low-risk), 3 fixed, 1 reopened, 1 marked false "
        "positive. Mean time to fix: 6.5 days.",
    ]
    assert "The oldest open high-risk vulnerability is 41 days old." in texts(summary.worst)
    assert summary.overdue[0] == Sentence(
        text="3 vulnerabilities are open past the fix deadline: 1 high-risk (fix within 7 days), 2 medium-risk "
             "(fix within 30 days).", tone="alert")


def test_nothing_overdue_is_said_only_when_something_is_open_and_the_deadlines_are_known():
    data = report(TRAFFIC)
    sla = VulnerabilityFigures(sla_days={"high": 7, "medium": 30, "low": 90})
    nothing_open = data.model_copy(update={"vulnerability_figures": sla})
    one_open = nothing_open.model_copy(update={"open_vulnerabilities": {
        **data.open_vulnerabilities, "high": Figure(value=1, previous=1)}})

    assert summarise(nothing_open).overdue == []
    assert texts(summarise(one_open).overdue) == [
        "No open vulnerability is past its fix deadline (high 7, medium 30, low 90 days)."]
    assert not any("found" in text for text in texts(summarise(nothing_open).changed)), "nothing moved: no sentence"
