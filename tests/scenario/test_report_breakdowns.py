"""Attacks posted through the API come back in the report's breakdowns (issue 24, items 17 and 18): per
application when events carry one, and a countries table that adds up, internal sources marked."""

from tests.support.reports import preview_text


def attack(event_id: str, **data: object) -> dict:
    return {"id": event_id, "type": "attack.detected", "time": "2026-11-24T10:00:00Z",
            "data": {"type": "sqli", "host": "pay.kaitopay.example", **data}}


def test_applications_countries_and_internal_sources_in_the_report(acme):
    # GIVEN attacks on two applications and none, from a country, an internal address and an unknown place
    status, body = acme.call("POST", "/v1/events", {"events": [
        attack("a1", application="Checkout", ip="203.0.113.7", country="DE"),
        attack("a2", application="Checkout", ip="10.0.0.5"),
        attack("a3", application="Admin console", ip="fd00::7"),
        attack("a4", ip="198.51.100.1"),
        attack("a5")]})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body

    # WHEN the day's report is rendered
    text = preview_text(acme, "daily", "2026-11-24")

    # THEN it breaks the attacks down per application, the rest in a row of their own
    assert "Attacked applications" in text
    assert "Checkout 2 2" in text and "Admin console 1 1" in text and "No application in the events 2 2" in text
    # AND its countries add up to the 5 attacks: internal sources apart, the rest without a country
    assert "Germany (DE) 1 1" in text and "Internal addresses (private, loopback) 2 2" in text
    assert "No country in the events 2 2" in text
    assert "10.0.0.5 (internal)" in text and "fd00::7 (internal)" in text and "198.51.100.1 1" in text
