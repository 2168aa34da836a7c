"""The local stack's demo security data makes a full report, not an empty one."""

from datetime import UTC, datetime

from chalicelib.aws import security_attacks, security_repo
from local import demo_data


def test_seeded_days_give_a_report_with_every_section(acme):
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

    written = demo_data.seed(acme.id, now, days=3)

    assert written == {"hours": 72, "vulnerabilities": 9, "incidents": 3}
    data = security_repo.read(acme.id, datetime(2026, 11, 22, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC))
    assert len(data.aggregates) == 72 and sum(a.attacks for a in data.aggregates) > 0
    attacks = sum(a.attacks for a in data.aggregates)
    assert 0 < sum(a.blocked for a in data.aggregates) < attacks  # some blocked, some only monitored
    for dimension in ("ips", "countries", "endpoints"):
        assert sum(c.attacks for a in data.aggregates for c in getattr(a, dimension).values()) > 0, dimension
    assert all(" /" in endpoint for a in data.aggregates for endpoint in a.endpoints
               if endpoint != security_attacks.OTHER_ENDPOINTS)  # a busy hour names its first 20
    assert any(a.ip_countries.get("2001:db8::bad:1") == "DE" for a in data.aggregates)
    assert len(data.vulnerabilities) == 9 and len(data.incidents) == 3
    status, body = acme.call("POST", "/v1/reports/preview", {"frequency": "daily"})
    assert status == 200 and body["empty"] is False and body["figures"][0]["value"] > 0
