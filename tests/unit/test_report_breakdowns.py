"""Breakdowns that add up, and host names that break only between labels (issue 24, items 17, 18, 19), pure."""

from datetime import timedelta

import pytest

from chalicelib.models.security import Counts, HourlyAggregate, SecurityData, is_internal
from chalicelib.reports.content import build_report
from chalicelib.reports.demo import demo_report
from chalicelib.reports.pdf_layout import Document
from chalicelib.reports.periods import period_from_key

WEEK = period_from_key("weekly", "UTC", "2026-W48")


def hour(n: int, attacks: int, **named: dict[str, int]) -> HourlyAggregate:
    """An hour with ``attacks`` attacks (one hit each), some of them named in each dimension of ``named``."""
    return HourlyAggregate(hour=WEEK.start + timedelta(hours=n), attacks=attacks, hits=attacks,
                           **{dimension: {name: Counts(attacks=a, hits=a) for name, a in values.items()}
                              for dimension, values in named.items()})


def week(*hours: HourlyAggregate, top: int = 10):
    return build_report("Acme", WEEK, SecurityData(aggregates=list(hours)), SecurityData(), generated_at=WEEK.end,
                        top=top)


def test_the_countries_table_adds_up_with_a_row_for_attacks_without_a_country():
    report = week(hour(1, 250, countries={"DE": 200, "US": 20, "internal": 15}), hour(2, 0))

    assert [(r.name, r.attacks) for r in report.top_countries] == [
        ("Germany (DE)", 200), ("United States of America (US)", 20), ("Internal addresses (private, loopback)", 15),
        ("No country in the events", 15)]
    assert sum(r.attacks for r in report.top_countries) == report.attacks.value == 250


def test_beyond_the_top_the_rest_of_the_countries_is_one_row():
    report = week(hour(1, 10, countries={"DE": 5, "US": 3, "FR": 2}), top=1)

    assert [(r.name, r.attacks) for r in report.top_countries] == [("Germany (DE)", 5), ("Other countries", 5)]


def test_no_countries_no_table_rows():
    assert week(hour(1, 10)).top_countries == []


@pytest.mark.parametrize(("ip", "internal"), [
    ("10.1.2.3", True), ("172.16.0.9", True), ("172.31.255.1", True), ("192.168.1.1", True), ("127.0.0.1", True),
    ("fd12:3456::1", True), ("::1", True), ("172.32.0.1", False), ("203.0.113.7", False), ("2001:db8::1", False),
    ("8.8.8.8", False), ("not an ip", False)])
def test_internal_addresses_are_rfc_1918_4193_and_loopback(ip, internal):
    assert is_internal(ip) is internal


def test_internal_source_ips_are_marked_internal():
    report = week(hour(1, 4, ips={"10.0.0.5": 3, "203.0.113.7": 1}))

    assert [r.name for r in report.top_ips] == ["10.0.0.5 (internal)", "203.0.113.7"]


def test_attacks_per_application_when_events_named_one():
    report = week(hour(1, 12, applications={"Checkout": 7, "Admin": 3}), hour(2, 5, applications={"Checkout": 5}))

    assert [(r.name, r.attacks) for r in report.top_applications] == [
        ("Checkout", 12), ("Admin", 3), ("No application in the events", 2)]
    assert week(hour(1, 12)).top_applications == []


@pytest.mark.parametrize("host", ["admin.kaitopay.example:8443", "api.eu-west-1.payments.kaitopay.example",
                                  "https://admin.kaitopay.example/v2/orders/export", "[2001:db8::1]:8443"])
def test_host_names_break_at_dots_colons_and_slashes_never_inside_a_label(host):
    pdf = Document(demo_report("weekly", "UTC", "2026-W48", vulnerabilities=0, incidents=0), "Email Report")
    pdf.use(7.5)

    lines = pdf.wrap(host, 22)

    assert len(lines) > 1 and "".join(lines) == host
    assert all(line[-1] in ".:/" for line in lines[:-1]), lines
