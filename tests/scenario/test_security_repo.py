"""The security-data store on moto: hourly counters, records, idempotency, period reads, TTL."""

from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key

from chalicelib.aws import security_attacks as attacks
from chalicelib.aws import security_repo as repo
from chalicelib.aws.clients import client, table
from chalicelib.models.reports import Figure
from chalicelib.models.security import Counts, HourlyAggregate, Incident, Vulnerability
from chalicelib.reports.content import build_report
from chalicelib.reports.demo import demo_security_data
from chalicelib.reports.pdf import render
from chalicelib.reports.periods import period_from_key
from chalicelib.settings import get_settings
from tests.support.samples import WEEK, text_of, vuln

T0 = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)


def vulnerability(event_id: str, at: datetime, **fields: Any) -> Vulnerability:
    return Vulnerability(id=event_id, at=at, risk=fields.pop("risk", "high"), title=fields.pop("title", "SQLi"),
                         host=fields.pop("host", "api.acme.io"), **fields)


def dynamodb_calls() -> list[str]:
    """Names of the DynamoDB operations made from now on (through the table resource and the client)."""
    calls: list[str] = []
    for events in (table(get_settings().security_table).meta.client.meta.events, client("dynamodb").meta.events):
        events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    return calls


def test_attacks_add_up_per_hour_type_and_host():
    # GIVEN attacks in two hours, two types and two hosts
    repo.record_attack("acme", "a1", T0, "sqli", "api.acme.io", hits=10)
    repo.record_attack("acme", "a2", T0 + timedelta(minutes=30), "xss", "api.acme.io", hits=3)
    repo.record_attack("acme", "a3", T0 + timedelta(minutes=40), "sqli", "www.acme.io", hits=1)
    repo.record_attack("acme", "a4", T0 + timedelta(hours=1), "sqli", "www.acme.io", hits=5)

    # WHEN the day is read
    data = repo.read("acme", datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC))

    # THEN each hour holds its totals and breakdowns
    first, second = data.aggregates
    assert (first.hour, first.attacks, first.hits) == (datetime(2026, 11, 24, 10, tzinfo=UTC), 3, 14)
    assert first.types == {"sqli": Counts(attacks=2, hits=11), "xss": Counts(attacks=1, hits=3)}
    assert first.hosts == {"api.acme.io": Counts(attacks=2, hits=13), "www.acme.io": Counts(attacks=1, hits=1)}
    assert (second.attacks, second.hits, second.hosts) == (1, 5, {"www.acme.io": Counts(attacks=1, hits=5)})


def test_the_same_event_recorded_twice_counts_once():
    assert repo.record_attack("acme", "a1", T0, "sqli", "api.acme.io", hits=10) is True
    assert repo.record_attack("acme", "a1", T0, "sqli", "api.acme.io", hits=10) is False
    assert repo.record_incident("acme", Incident(id="i1", at=T0, title="Brute force")) is True
    assert repo.record_incident("acme", Incident(id="i1", at=T0, title="Brute force")) is False

    data = repo.read("acme", T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert [(a.attacks, a.hits) for a in data.aggregates] == [(1, 10)]
    assert [i.id for i in data.incidents] == ["i1"]


def test_the_same_event_id_of_another_tenant_is_its_own():
    assert repo.record_attack("acme", "a1", T0, "sqli", "api.acme.io")
    assert repo.record_attack("globex", "a1", T0, "sqli", "globex.example")

    assert repo.read("globex", T0 - timedelta(hours=1), T0 + timedelta(hours=1)).aggregates[0].hosts == {
        "globex.example": Counts(attacks=1, hits=1)}


def test_records_are_read_for_the_half_open_period_only():
    day = period_from_key("daily", "America/Los_Angeles", "2026-11-24")
    second = timedelta(seconds=1)
    repo.put_vulnerability("acme", vulnerability("fixed-before", day.start - 2 * second).observe(
        day.start - second, "closed"))
    repo.put_vulnerability("acme", vulnerability("open-before", day.start - second))
    repo.put_vulnerability("acme", vulnerability("first", day.start, risk="low", path="/login", method="POST"))
    repo.put_vulnerability("acme", vulnerability("last", day.end - second, status="closed"))
    repo.put_vulnerability("acme", vulnerability("after", day.end))
    repo.record_incident("acme", Incident(id="i1", at=day.start + timedelta(hours=3), title="Credential stuffing",
                                          host="sso.acme.io", risk="high", attack_type="brute"))
    repo.record_incident("acme", Incident(id="i0", at=day.start - second, title="Yesterday's"))
    repo.put_vulnerability("globex", vulnerability("other-tenant", day.start))

    data = repo.read("acme", day.start, day.end)

    # vulnerabilities: open at the start or the end, or changed within; incidents: of the day
    assert [v.id for v in data.vulnerabilities] == ["open-before", "first", "last"]
    assert data.vulnerabilities[1].model_dump(include={"risk", "path", "method", "status"}) == {
        "risk": "low", "path": "/login", "method": "POST", "status": "open"}
    assert data.vulnerabilities[2].status == "closed"
    assert data.incidents == [Incident(id="i1", at=day.start + timedelta(hours=3), title="Credential stuffing",
                                       host="sso.acme.io", risk="high", attack_type="brute")]


def test_a_month_is_read_with_a_few_queries_over_one_item_per_hour():
    # GIVEN traffic at both edges of a month, twice a day in between, and just outside it
    month = period_from_key("monthly", "Asia/Tokyo", "2026-10")
    hours = [month.start + timedelta(hours=h) for h in range(0, 31 * 24, 12)] + [month.end - timedelta(hours=1)]
    for hour in [month.start - timedelta(hours=1), *hours, month.end]:
        repo.add_aggregate("acme", HourlyAggregate(
            hour=hour, attacks=7, hits=70,
            types={"sqli": Counts(attacks=4, hits=40), "xss": Counts(attacks=3, hits=30)},
            hosts={"api.acme.io": Counts(attacks=7, hits=70)}))
    calls = dynamodb_calls()

    # WHEN the month is read
    data = repo.read("acme", month.start, month.end)

    # THEN it takes one Query per kind (no Scan; vulnerabilities: open ones, changes) and gets one item per
    # hour that had traffic
    assert [a.hour for a in data.aggregates] == hours
    assert sum(a.types["xss"].hits for a in data.aggregates) == 30 * len(hours)
    assert calls == ["Query", "Query", "Query", "Query"]


def test_everything_expires_after_the_retention_period():
    repo.record_attack("acme", "a1", T0, "sqli", "api.acme.io")
    repo.put_vulnerability("acme", vulnerability("v1", T0 - timedelta(days=2)).observe(T0, "closed"))
    name = get_settings().security_table

    items = table(name).scan()["Items"]

    assert {item["pk"] for item in items} == {"acme#hour", "acme#vulnerability", "acme#vuln-change", "acme#seen"}
    hour_item = next(item for item in items if item["pk"] == "acme#hour")
    vuln_item = next(item for item in items if item["pk"] == "acme#vulnerability")
    assert hour_item["expires_at"] == int((datetime(2026, 11, 24, 10, tzinfo=UTC) + timedelta(days=400)).timestamp())
    assert vuln_item["expires_at"] == int((T0 + timedelta(days=400)).timestamp())  # from its last change
    ttl = client("dynamodb").describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_names_with_line_breaks_or_markup_are_stored_on_one_line():
    repo.record_attack("acme", "a1", T0, "<script>alert(1)</script>", "evil\r\nhost.io\t", hits=2)
    repo.record_attack("acme", "a2", T0, "  ", "", hits=1)

    aggregate = repo.read("acme", T0 - timedelta(hours=1), T0 + timedelta(hours=1)).aggregates[0]

    assert set(aggregate.types) == {"<script>alert(1)</script>", "unknown"}
    assert set(aggregate.hosts) == {"evil host.io", "unknown"}


def test_an_hour_with_too_many_hosts_for_one_item_counts_the_rest_as_other_hosts():
    # GIVEN an hour item filled close to DynamoDB's 400 KB limit with long host names
    hosts = {f"{n:04d}-{'x' * 180}.example.com": Counts(attacks=1, hits=1) for n in range(1100)}
    repo.add_aggregate("acme", HourlyAggregate(hour=T0, attacks=1100, hits=1100, hosts=hosts))

    # WHEN another attack on a new host arrives in that hour
    repo.record_attack("acme", "a1", T0, "sqli", "new.acme.io", hits=4)

    # THEN no count is lost: it goes under "(other hosts)"
    aggregate = repo.read("acme", T0 - timedelta(hours=1), T0 + timedelta(hours=1)).aggregates[0]
    assert (aggregate.attacks, aggregate.hits) == (1101, 1104)
    assert sum(c.hits for c in aggregate.hosts.values()) == 1104
    assert aggregate.hosts[attacks.OTHER_HOSTS].hits >= 4


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has not yet seen any hour's IP or endpoint set full."""
    monkeypatch.setattr(attacks, "_FULL", OrderedDict())


def hour_of(tenant_id: str, at: datetime = T0) -> HourlyAggregate:
    [aggregate] = repo.read(tenant_id, at - timedelta(hours=1), at + timedelta(hours=1)).aggregates
    return aggregate


def test_attacks_add_up_by_source_ip_country_endpoint_and_blocked(fresh_process):
    # GIVEN attacks with and without the optional fields
    repo.record_attack("acme", "a1", T0, "sqli", "api.acme.io", hits=10, ip="203.0.113.7", country="DE",
                       path="/v2/orders?id=1 OR 1=1", blocked=True)
    repo.record_attack("acme", "a2", T0, "sqli", "api.acme.io", hits=2, ip="203.0.113.7", country="DE",
                       path="/v2/orders#frag")
    repo.record_attack("acme", "a3", T0, "xss", "www.acme.io", hits=1, ip="2001:db8::1", path="/search",
                       blocked=True)
    repo.record_attack("acme", "a4", T0, "xss", "www.acme.io", hits=5)

    # WHEN the hour is read
    aggregate = hour_of("acme")

    # THEN each breakdown counts what named it; an endpoint is "host path" without the query string
    assert (aggregate.attacks, aggregate.hits, aggregate.blocked) == (4, 18, 2)
    assert aggregate.ips == {"203.0.113.7": Counts(attacks=2, hits=12), "2001:db8::1": Counts(attacks=1, hits=1)}
    assert aggregate.countries == {"DE": Counts(attacks=2, hits=12)}
    assert aggregate.ip_countries == {"203.0.113.7": "DE"}
    assert aggregate.endpoints == {"api.acme.io /v2/orders": Counts(attacks=2, hits=12),
                                   "www.acme.io /search": Counts(attacks=1, hits=1)}


def test_recording_the_same_attack_again_changes_no_breakdown(fresh_process):
    fields = {"hits": 3, "ip": "198.51.100.4", "country": "US", "path": "/login", "blocked": True}
    assert repo.record_attack("acme", "a1", T0, "brute", "sso.acme.io", **fields) is True
    assert repo.record_attack("acme", "a1", T0, "brute", "sso.acme.io", **fields) is False

    aggregate = hour_of("acme")
    assert (aggregate.attacks, aggregate.hits, aggregate.blocked) == (1, 3, 1)
    assert (aggregate.ips, aggregate.countries, aggregate.endpoints) == (
        {"198.51.100.4": Counts(attacks=1, hits=3)}, {"US": Counts(attacks=1, hits=3)},
        {"sso.acme.io /login": Counts(attacks=1, hits=3)})


def test_an_hour_item_written_before_these_fields_reads_them_as_empty():
    table(get_settings().security_table).put_item(Item={"pk": "acme#hour", "sk": "2026-11-24T10", "attacks": 3,
                                                        "hits": 9, "ta:sqli": 3, "th:sqli": 9})

    aggregate = hour_of("acme")

    assert (aggregate.attacks, aggregate.blocked, aggregate.types["sqli"].hits) == (3, 0, 9)
    assert aggregate.ips == aggregate.countries == aggregate.endpoints == {}


def test_an_hour_keeps_at_most_top_per_hour_ips_and_endpoints_by_name(fresh_process):
    # GIVEN a botnet: every attack from a new address, on a new path (an id in it)
    total = attacks.TOP_PER_HOUR + 30
    for n in range(total):
        repo.record_attack("acme", f"a{n}", T0, "sqli", "api.acme.io", hits=2, ip=f"10.0.{n // 250}.{n % 250}",
                           path=f"/v2/orders/{n}")
    calls = dynamodb_calls()

    # WHEN one of the first addresses and one new address attack again
    repo.record_attack("acme", "again", T0, "sqli", "api.acme.io", ip="10.0.0.0", path="/v2/orders/0")
    repo.record_attack("acme", "new", T0, "sqli", "api.acme.io", ip="192.0.2.1", path="/v2/new")

    # THEN each costs one request (the process knows the sets are full), the item names at most TOP_PER_HOUR
    # of each, the first ones keep counting by name and nothing is lost
    assert calls == ["TransactWriteItems", "TransactWriteItems"]
    aggregate = hour_of("acme")
    assert len(aggregate.ips) == len(aggregate.endpoints) == attacks.TOP_PER_HOUR + 1
    assert aggregate.ips["10.0.0.0"] == Counts(attacks=2, hits=3)
    assert aggregate.endpoints["api.acme.io /v2/orders/0"] == Counts(attacks=2, hits=3)
    assert aggregate.ips[attacks.OTHER_IPS] == Counts(attacks=31, hits=61)
    assert aggregate.endpoints[attacks.OTHER_ENDPOINTS] == Counts(attacks=31, hits=61)
    assert sum(c.hits for c in aggregate.ips.values()) == aggregate.hits == 2 * total + 2
    item = table(get_settings().security_table).get_item(Key={"pk": "acme#hour", "sk": "2026-11-24T10"})["Item"]
    assert len(item["kept_ips"]) == len(item["kept_endpoints"]) == attacks.TOP_PER_HOUR


def test_a_process_that_meets_a_full_hour_pays_one_extra_request_once(fresh_process, monkeypatch):
    # GIVEN an hour whose IP set another process filled
    for n in range(attacks.TOP_PER_HOUR):
        repo.record_attack("acme", f"a{n}", T0, "sqli", "api.acme.io", ip=f"10.0.0.{n}")
    monkeypatch.setattr(attacks, "_FULL", OrderedDict())
    calls = dynamodb_calls()

    # WHEN this process records attacks from three new addresses and one it kept
    for n, ip in enumerate(("192.0.2.1", "192.0.2.2", "10.0.0.5", "192.0.2.3")):
        assert repo.record_attack("acme", f"b{n}", T0, "sqli", "api.acme.io", ip=ip) is True

    # THEN only the first pays for the failed condition
    assert calls == ["TransactWriteItems"] * 5
    aggregate = hour_of("acme")
    assert aggregate.ips[attacks.OTHER_IPS].attacks == 3 and aggregate.ips["10.0.0.5"].attacks == 2


def test_a_bulk_load_keeps_its_top_ips_by_name_and_folds_the_rest():
    ips = {f"10.1.0.{n}": Counts(attacks=n + 1, hits=n + 1) for n in range(attacks.TOP_PER_HOUR + 20)}
    busiest = f"10.1.0.{attacks.TOP_PER_HOUR + 19}"
    repo.add_aggregate("acme", HourlyAggregate(hour=T0, attacks=1, hits=1, blocked=1, ips=ips,
                                               countries={"FR": Counts(attacks=1, hits=1)},
                                               ip_countries={busiest: "FR", "10.1.0.0": "FR"}))

    aggregate = hour_of("acme")

    assert len(aggregate.ips) == attacks.TOP_PER_HOUR + 1 and busiest in aggregate.ips
    assert aggregate.ips[attacks.OTHER_IPS].attacks == sum(range(1, 21))
    assert (aggregate.blocked, aggregate.countries) == (1, {"FR": Counts(attacks=1, hits=1)})
    assert aggregate.ip_countries == {busiest: "FR"}  # the folded address's country is not kept


def test_seeded_hours_are_the_items_the_counters_would_have_left(fresh_process):
    # GIVEN busy demo hours (IPs with countries, endpoints, applications) and a bulk hour with 40 IPs
    busy = demo_security_data(period_from_key("daily", "UTC", "2026-11-23"), seed=3).aggregates[8:11]
    ips = {f"10.1.0.{n}": Counts(attacks=n + 1, hits=2 * n + 1) for n in range(attacks.TOP_PER_HOUR + 20)}
    bulk = HourlyAggregate(hour=T0, attacks=9, hits=9, ips=ips, ip_countries={"10.1.0.59": "FR", "10.1.0.0": "FR"})
    hours = [*busy, bulk]

    # WHEN one tenant gets them through the counters (ADD) and another through the seeding puts
    for hour in hours:
        repo.add_aggregate("counted", hour)
    attacks.put_hours("seeded", hours)

    # THEN both tenants hold the same items
    def items(tenant_id: str) -> list[dict[str, Any]]:
        found = table(get_settings().security_table).query(
            KeyConditionExpression=Key("pk").eq(f"{tenant_id}#hour"))["Items"]
        return [{name: value for name, value in item.items() if name != "pk"} for item in found]

    assert items("seeded") == items("counted") and len(items("seeded")) == len(hours)


def item_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's item size, near enough: names plus values (a number ~ its digits, a set its members)."""
    def size(value: Any) -> int:
        return sum(len(str(member)) for member in value) if isinstance(value, set) else len(str(value))

    return sum(len(name) + size(value) for name, value in item.items())


def test_the_hour_item_stays_small_whatever_the_names_so_each_write_stays_cheap(fresh_process):
    # GIVEN an hour of attacks from 200 IPv6 addresses on 200 very long paths of a very long host name
    host = "h" * 190 + ".acme.io"
    for n in range(200):
        repo.record_attack("acme", f"a{n}", T0, "sqli", host, hits=1000, ip=f"2001:db8:aaaa:bbbb:cccc:dddd:eeee:{n:x}",
                           country="DE", path=f"/{n}/{'p' * 300}", blocked=True)

    # THEN the item is a few KB (an UpdateItem is billed per KB of the item), not one that grows with the names
    item = table(get_settings().security_table).get_item(Key={"pk": "acme#hour", "sk": "2026-11-24T10"})["Item"]
    assert item_bytes(item) < 12_000
    endpoints = hour_of("acme").endpoints
    assert len(endpoints) == attacks.TOP_PER_HOUR + 1
    assert {len(e) for e in endpoints if e != attacks.OTHER_ENDPOINTS} == {attacks.MAX_ENDPOINT}


def test_recorded_figures_and_rows_are_in_the_pdf():
    # GIVEN a week of attacks, vulnerabilities and incidents recorded in the store, and a quieter week before
    for n in range(12):
        repo.record_attack("acme", f"a{n}", WEEK.start + timedelta(hours=n * 7), "sqli" if n % 3 else "xss",
                           "api.acme.io" if n % 2 else "shop.acme.io", hits=100)
    repo.record_attack("acme", "old", WEEK.start - timedelta(days=2), "sqli", "api.acme.io", hits=3)
    repo.put_vulnerability("acme", vuln(1, "SQL injection in /login", path="/login", method="post",
                                        parameter="user"))
    repo.put_vulnerability("acme", vuln(2, "Reflected XSS in /search", risk="medium", host="www.acme.io"))
    repo.put_vulnerability("acme", vuln(3, "Verbose server banner", risk="low").observe(
        WEEK.start + timedelta(days=1), "false_positive"))
    repo.record_incident("acme", Incident(id="i1", at=WEEK.start + timedelta(days=2), title="Credential stuffing",
                                          host="sso.acme.io", risk="high", attack_type="brute"))

    # WHEN the weekly report is built from the store and rendered
    report = build_report("Acme Corp", WEEK, repo.read("acme", WEEK.start, WEEK.end),
                          repo.read("acme", WEEK.previous().start, WEEK.previous().end), generated_at=WEEK.end)
    text, pages = text_of(render(report))

    # THEN its text carries the headline figures, the tops and every row
    assert (report.attacks, report.hits) == (Figure(value=12, previous=1), Figure(value=1200, previous=3))
    assert report.open_vulnerabilities["low"] == Figure(value=0, previous=0)
    for expected in ["Acme Corp", "Weekly security report", "Week 48: 23 – 29 November 2026", "Europe/Berlin",
                     "1,200", "▲ 1,100% vs previous week (1)", "SQL injection in /login", "POST /login (user)",
                     "Reflected XSS in /search", "www.acme.io", "Verbose server banner", "False positive",
                     "Credential stuffing", "sso.acme.io", "Brute force", "shop.acme.io", "Cross-site scripting",
                     f"Page 1 of {pages}"]:
        assert expected in text, expected
