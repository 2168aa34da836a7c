"""The security-data store on moto: hourly counters, records, idempotency, period reads, TTL."""

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.aws import security_repo as repo
from chalicelib.aws.clients import client, table
from chalicelib.reports.periods import period_from_key
from chalicelib.reports.security_data import Counts, HourlyAggregate, Incident, Vulnerability
from chalicelib.settings import get_settings

T0 = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)


def vulnerability(event_id: str, at: datetime, **fields: Any) -> Vulnerability:
    return Vulnerability(id=event_id, at=at, risk=fields.pop("risk", "high"), title=fields.pop("title", "SQLi"),
                         host=fields.pop("host", "api.acme.io"), **fields)


def dynamodb_calls() -> list[str]:
    """Names of the DynamoDB operations made from now on (through the table resource)."""
    calls: list[str] = []
    events = table(get_settings().security_table).meta.client.meta.events
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


def test_hours_of_half_hour_offset_zones_belong_to_exactly_one_day():
    days = [period_from_key("daily", "Asia/Kolkata", key) for key in ("2026-11-23", "2026-11-24")]
    # 24 Nov in Kolkata starts at 18:30 UTC on 23 Nov; the 18:00 UTC hour is counted in 24 Nov
    assert repo.hours_between(days[1].start, days[1].end) == (datetime(2026, 11, 23, 18, tzinfo=UTC),
                                                             datetime(2026, 11, 24, 17, tzinfo=UTC))
    assert repo.hours_between(days[0].start, days[0].end)[1] == datetime(2026, 11, 23, 17, tzinfo=UTC)


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
    assert aggregate.hosts[repo.OTHER_HOSTS].hits >= 4
