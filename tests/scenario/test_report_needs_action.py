"""A report's "Needs action" (issue 24, item 13): incidents still not resolved and overdue vulnerabilities belong
there whatever day they began, within the look-back (``content.INCIDENT_LOOK_BACK``, 30 days)."""

from tests.support.reports import preview_text


def incident(event_id: str, at: str, title: str, risk: str, status: str = "open") -> dict:
    return {"id": event_id, "type": "incident.detected", "time": at,
            "data": {"title": title, "risk": risk, "host": "pay.acme.io", "status": status}}


def test_needs_action_lists_what_is_still_open_whatever_day_it_began(acme):
    # GIVEN a high-risk incident open since the day before, a resolved one, one too old to count, one of the day,
    # and a high-risk vulnerability found two weeks ago and never fixed (the SLA is 7 days)
    status, body = acme.call("POST", "/v1/events", {"events": [
        incident("i1", "2026-11-23T09:00:00Z", "Card testing on checkout", "high"),
        incident("i2", "2026-11-22T09:00:00Z", "Scanner burst", "medium", status="resolved"),
        incident("i3", "2026-10-01T09:00:00Z", "Forgotten alert", "high"),
        incident("i4", "2026-11-24T12:00:00Z", "Login probing", "low"),
        {"id": "v1", "type": "vulnerability.detected", "time": "2026-11-10T08:00:00Z",
         "data": {"id": "V-1", "risk": "high", "title": "SQLi in /pay", "host": "pay.acme.io"}}]})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body

    # WHEN the daily report of 24 November is rendered
    text = preview_text(acme, "daily", "2026-11-24")

    # THEN its "Needs action" names the day's open incident, the older high-risk one and the overdue vulnerability
    assert "NEEDS ACTION" in text
    assert "1 incident of this day is not resolved yet." in text
    assert ("1 incident from before this day is still not resolved (1 of high risk); the oldest high-risk: "
            "Card testing on checkout (pay.acme.io), since 23 Nov.") in text
    assert "1 vulnerability is open past the fix deadline: 1 high-risk (fix within 7 days)." in text
    assert "Forgotten alert" not in text and "Scanner burst" not in text


def test_a_weekly_report_counts_the_incidents_of_earlier_weeks_too(acme):
    status, _ = acme.call("POST", "/v1/events", {"events": [
        incident("i1", "2026-11-12T09:00:00Z", "Data exfiltration attempt", "medium")]})
    assert status == 202

    text = preview_text(acme, "weekly", "2026-11-22")  # week 47: 16–22 November

    assert ("1 incident from before this week is still not resolved; the oldest: Data exfiltration attempt "
            "(pay.acme.io), since 12 Nov.") in text
