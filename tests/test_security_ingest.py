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
