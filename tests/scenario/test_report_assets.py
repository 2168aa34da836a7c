"""Risk by asset through the API (issue 26 item 2): vulnerabilities posted with hosts and applications come back
in the monthly report as the top vulnerable hosts and applications, open by risk, oldest and overdue."""

from datetime import UTC, datetime

from chalicelib.aws import tenants_repo
from chalicelib.reports import generation
from chalicelib.reports.periods import period_from_key
from tests.support.reports import preview_text


def detected(vid: str, when: str, risk: str, host: str, application: str | None = None) -> dict:
    data = {"id": vid, "risk": risk, "title": f"Finding {vid}", "host": host,
            **({"application": application} if application else {})}
    return {"id": f"e-{vid}", "type": "vulnerability.detected", "time": when, "data": data}


def test_the_monthly_report_ranks_hosts_and_applications_by_their_open_vulnerabilities(api, frozen_clock):
    frozen_clock.moment = datetime(2026, 12, 1, 9, tzinfo=UTC)
    tenant = api.tenant("Asset Co", "sec@asset.example")
    events = [detected("v1", "2026-11-20T10:00:00Z", "high", "pay.asset.example", "Checkout"),
              detected("v2", "2026-06-01T10:00:00Z", "low", "pay.asset.example", "Checkout"),
              detected("v3", "2026-11-28T10:00:00Z", "high", "api.asset.example", "Public API"),
              detected("v4", "2026-11-29T10:00:00Z", "high", "api.asset.example"),
              detected("v5", "2026-11-02T10:00:00Z", "medium", "cms.asset.example"),
              {"id": "e-v5c", "type": "vulnerability.status_changed", "time": "2026-11-05T10:00:00Z",
               "data": {"id": "v5", "status": "closed"}}]
    status, body = tenant.call("POST", "/v1/events", {"events": events})
    assert status == 202, body

    report = generation.content_of(tenants_repo.get(tenant.id), period_from_key("monthly", "UTC", "2026-11"))
    assert [(r.name, r.open, r.oldest_days, r.overdue) for r in report.vulnerable_hosts] == [
        ("api.asset.example", {"high": 2, "medium": 0, "low": 0}, 2, 0),
        ("pay.asset.example", {"high": 1, "medium": 0, "low": 1}, 182, 2)]
    assert [(r.name, r.open) for r in report.vulnerable_applications] == [
        ("Checkout", {"high": 1, "medium": 0, "low": 1}), ("Public API", {"high": 1, "medium": 0, "low": 0})]

    text = preview_text(tenant, "monthly", "2026-11-30")
    assert "Risk by asset" in text
    assert "api.asset.example 2 0 0 2 d 0" in text and "pay.asset.example 1 0 1 182 d 2" in text
    assert "Checkout 1 0 1 182 d 2" in text
