"""Events posted over HTTP feed the security-data store that the reports read, once per event id."""

from datetime import UTC, datetime

from chalicelib.aws import security_repo

DAY = (datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 26, tzinfo=UTC))


def post(acme, *events):
    status, body = acme.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202, body
    return [result["status"] for result in body["results"]]


def test_attacks_vulnerabilities_and_incidents_are_stored_once(acme):
    attack = {"id": "a1", "type": "attack.detected", "time": "2026-11-25T10:15:00Z",
              "data": {"type": "sqli", "host": "api.acme.io", "hits": 7}}
    vuln = {"id": "v1", "type": "vulnerability.detected", "time": "2026-11-25T11:00:00Z",
            "data": {"risk": "high", "title": "SQLi in /login", "domain": "api.acme.io", "path": "/login",
                     "method": "POST", "parameter": "user"}}
    incident = {"id": "i1", "type": "incident.detected", "time": "2026-11-25T12:00:00Z",
                "data": {"title": "Credential stuffing", "host": "auth.acme.io", "risk": "high",
                         "attack_type": "brute"}}

    assert post(acme, attack, vuln, incident) == ["accepted"] * 3
    assert post(acme, attack, vuln, incident) == ["duplicate"] * 3
    assert post(acme, {**attack, "id": "a2", "data": {"type": "xss", "host": "www.acme.io"}}) == ["accepted"]

    data = security_repo.read(acme.id, *DAY)
    assert [(a.hour.hour, a.attacks, a.hits) for a in data.aggregates] == [(10, 2, 8)]
    assert data.aggregates[0].types["sqli"].hits == 7 and data.aggregates[0].hosts["www.acme.io"].attacks == 1
    assert [(v.id, v.risk, v.title, v.host, v.path) for v in data.vulnerabilities] == [
        ("v1", "high", "SQLi in /login", "api.acme.io", "/login")]
    assert [(i.id, i.title, i.risk, i.attack_type) for i in data.incidents] == [
        ("i1", "Credential stuffing", "high", "brute")]


def test_an_incident_needs_no_details_but_a_bad_attack_is_rejected(acme):
    results = post(acme, {"id": "i2", "type": "incident.detected", "time": "2026-11-25T12:00:00Z"},
                   {"id": "a3", "type": "attack.detected", "time": "2026-11-25T12:00:00Z", "data": {"hits": 0}})

    assert results == ["accepted", "rejected"]
    assert [i.title for i in security_repo.read(acme.id, *DAY).incidents] == ["Security incident"]


def test_attack_source_country_endpoint_and_blocking_reach_the_hourly_breakdowns(acme):
    def attack(event_id, **data):
        return {"id": event_id, "type": "attack.detected", "time": "2026-11-25T10:15:00Z",
                "data": {"type": "sqli", "host": "api.acme.io", **data}}

    results = post(acme, attack("a1", ip="2001:DB8:0::7", country="de", blocked=True, path="/v2/orders?id=1"),
                   attack("a2", ip="203.0.113.9", blocked=False, path="/v2/orders", hits=4),
                   attack("a3", ip="203.0.113.300"), attack("a4", country="XX"), attack("a5", country="DEU"),
                   attack("a6", blocked="perhaps"))

    assert results == ["accepted", "accepted", "rejected", "rejected", "rejected", "rejected"]
    [hour] = security_repo.read(acme.id, *DAY).aggregates
    assert (hour.attacks, hour.blocked) == (2, 1)
    assert {ip: c.attacks for ip, c in hour.ips.items()} == {"2001:db8::7": 1, "203.0.113.9": 1}
    assert {country: c.hits for country, c in hour.countries.items()} == {"DE": 1}
    assert hour.endpoints["api.acme.io /v2/orders"].hits == 5
