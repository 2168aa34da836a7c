"""When reports arrive: each integration's ``report_hour`` of the tenant's local day after the period (DST gap →
the next valid time, repeated hour → once), one render per period whatever the hours, and the send-now endpoint
(once per integration and period, rate-limited, another tenant's integration a 404)."""

import re
from datetime import UTC, datetime
from typing import Any

from chalicelib.settings import get_settings
from local.outbox import Mail
from tests.support.checks import assert_error, scan
from tests.support.pipeline import outbox


def at(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def berlin(api: Any, frozen_clock: Any, since: datetime, **integration: Any) -> tuple[Any, dict[str, Any]]:
    """A tenant in Berlin, created at ``since``, with one report integration (``integration``'s fields)."""
    frozen_clock.moment = since
    tenant = api.tenant("Berlin GmbH", "sec@berlin.example", timezone="Europe/Berlin")
    return tenant, tenant.integration(name="CISO", emails="ciso@berlin.example", **integration)


def mails_to(address: str) -> list[Mail]:
    return [mail for mail in outbox() if address in mail.to]


def rendered(tenant: Any) -> list[str]:
    return sorted(row["sk"] for row in scan("reports_table") if row["tenant_id"] == tenant.id
                  and row["sk"].startswith("report#"))


def test_the_weekly_report_arrives_at_the_integrations_hour_and_each_hour_gets_its_mail(api, frozen_clock, fire):
    # GIVEN a Berlin tenant whose default integration takes the weekly report at 00:00 and the CISO's at 08:00
    tenant, ciso = berlin(api, frozen_clock, at(2026, 12, 10, 9), events=["report_weekly"], report_hour=8)
    assert ciso["report_hour"] == 8
    assert ciso["next_reports"] == {"weekly": "2026-12-14T08:00:00+01:00"}
    # WHEN the scheduler fires every hour of Monday night (the week 7-13 December ends at 23:00 UTC on Sunday)
    fire(at(2026, 12, 13, 23))
    # THEN the default integration has it at midnight, the CISO nothing until 08:00 local (07:00 UTC)
    [first] = mails_to("sec@berlin.example")
    for hour in range(0, 7):
        fire(at(2026, 12, 14, hour))
        assert mails_to("ciso@berlin.example") == [], hour
    fire(at(2026, 12, 14, 7))
    [mail] = mails_to("ciso@berlin.example")
    assert "Week 50: 7 – 13 December 2026" in mail.text and mail.subject == "Weekly security report"
    # AND the report was rendered once: both mails carry the same PDF
    assert rendered(tenant) == ["report#20261213T2300Z-weekly-2026-W50"]
    assert mail.attachments == first.attachments
    fire(at(2026, 12, 14, 8))
    assert len(mails_to("ciso@berlin.example")) == 1 and len(mails_to("sec@berlin.example")) == 1
    # AND the next report time moved on to the next Monday at 08:00
    status, shown = tenant.call("GET", f"/v1/integrations/{ciso['id']}")
    assert status == 200 and shown["next_reports"] == {"weekly": "2026-12-21T08:00:00+01:00"}


def test_a_report_hour_the_spring_night_skips_arrives_at_the_next_valid_time(api, frozen_clock, fire):
    # GIVEN the daily report at 02:00, Berlin, the night clocks spring from 02:00 to 03:00 (28 March 2027)
    tenant, ciso = berlin(api, frozen_clock, at(2027, 3, 26, 12), events=["report_daily"], report_hour=2)
    fire(at(2027, 3, 27, 1))  # Friday's report, at 02:00 CET
    assert len(mails_to("ciso@berlin.example")) == 1
    frozen_clock.moment = at(2027, 3, 27, 23)
    status, shown = tenant.call("GET", f"/v1/integrations/{ciso['id']}")
    assert status == 200 and shown["next_reports"] == {"daily": "2027-03-28T03:00:00+02:00"}
    # WHEN the scheduler fires through that night
    fire(at(2027, 3, 28, 0))  # 01:00 CET: not yet
    assert len(mails_to("ciso@berlin.example")) == 1
    fire(at(2027, 3, 28, 1))  # 03:00 CEST, the first valid time after 02:00
    # THEN Saturday's report arrives at 03:00, once
    assert len(mails_to("ciso@berlin.example")) == 2 and "27 March 2027" in mails_to("ciso@berlin.example")[1].text
    fire(at(2027, 3, 28, 2))
    assert len(mails_to("ciso@berlin.example")) == 2


def test_a_report_hour_the_autumn_night_repeats_is_taken_once(api, frozen_clock, fire):
    # GIVEN the daily report at 02:00, Berlin, the night 02:00-03:00 happens twice (25 October 2026)
    tenant, ciso = berlin(api, frozen_clock, at(2026, 10, 24, 12), events=["report_daily"], report_hour=2)
    # WHEN the scheduler fires at the first 02:00 (CEST, 00:00 UTC), the second (CET, 01:00 UTC) and after
    fire(at(2026, 10, 25, 0))
    [mail] = mails_to("ciso@berlin.example")
    assert "Saturday, 24 October 2026" in mail.text
    for hour in (1, 2, 3):
        fire(at(2026, 10, 25, hour))
    # THEN Saturday's report went once, at the first 02:00, and the next one is due at Monday's 02:00
    assert len(mails_to("ciso@berlin.example")) == 1
    status, shown = tenant.call("GET", f"/v1/integrations/{ciso['id']}")
    assert status == 200 and shown["next_reports"] == {"daily": "2026-10-26T02:00:00+01:00"}


def send(tenant: Any, integration_id: str, frequency: str, period_end: str) -> tuple[int, Any]:
    return tenant.call("POST", f"/v1/integrations/{integration_id}/reports/send",
                       {"frequency": frequency, "period_end": period_end})


def test_send_now_mails_the_period_once_and_the_scheduled_time_does_not_mail_it_again(api, frozen_clock, fire):
    # GIVEN the CISO's weekly report due at 08:00 on Monday
    tenant, ciso = berlin(api, frozen_clock, at(2026, 12, 10, 9), events=["report_weekly"], report_hour=8)
    fire(at(2026, 12, 13, 23))  # the default integration's, at midnight
    assert len(mails_to("sec@berlin.example")) == 1 and mails_to("ciso@berlin.example") == []
    frozen_clock.moment = at(2026, 12, 14, 5)
    # WHEN an admin sends last week to the CISO now, at 06:00 local
    status, body = send(tenant, ciso["id"], "weekly", "2026-12-13")
    assert status == 202, body
    assert body == {"report_id": "20261213T2300Z-weekly-2026-W50", "integration_id": ciso["id"],
                    "frequency": "weekly", "period_key": "2026-W50", "status": "queued"}
    fire(at(2026, 12, 14, 5))
    # THEN the CISO has it now, once, and not again at 08:00; a second send is refused
    [mail] = mails_to("ciso@berlin.example")
    assert "Week 50: 7 – 13 December 2026" in mail.text and mail.attachments
    assert len(mails_to("sec@berlin.example")) == 1  # sent to that integration alone
    fire(at(2026, 12, 14, 7))
    assert len(mails_to("ciso@berlin.example")) == 1 and len(mails_to("sec@berlin.example")) == 1
    assert "already sent" in assert_error(send(tenant, ciso["id"], "weekly", "2026-12-13"), 409)["message"]
    assert rendered(tenant) == ["report#20261213T2300Z-weekly-2026-W50"]


def test_send_now_refuses_what_it_cannot_send_and_changes_nothing(api, frozen_clock, fire):
    tenant, ciso = berlin(api, frozen_clock, at(2026, 12, 10, 9), events=["report_weekly"], report_hour=8)
    other = api.tenant("Other", "sec@other.example")
    # another tenant's integration is as absent as a missing one
    assert_error(send(other, ciso["id"], "weekly", "2026-12-06"), 404)
    assert_error(send(tenant, "no-such-id", "weekly", "2026-12-06"), 404)
    # a frequency it does not take, a period that has not ended, a day that ends no week, a viewer
    assert "daily" in assert_error(send(tenant, ciso["id"], "daily", "2026-12-08"), 409)["message"]
    assert "not ended" in assert_error(send(tenant, ciso["id"], "weekly", "2026-12-13"), 422)["details"][0]["message"]
    assert_error(send(tenant, ciso["id"], "weekly", "2026-12-09"), 422)
    assert_error(tenant.call("POST", f"/v1/integrations/{ciso['id']}/reports/send",
                             {"frequency": "weekly", "period_end": "2026-12-06"}, token=tenant.token_for("viewer")),
                 403)
    # a disabled integration
    assert tenant.call("POST", f"/v1/integrations/{ciso['id']}/disable")[0] == 200
    assert "disabled" in assert_error(send(tenant, ciso["id"], "weekly", "2026-12-06"), 409)["message"]
    fire(at(2026, 12, 10, 10))
    assert mails_to("ciso@berlin.example") == [] and rendered(tenant) == []


def test_send_now_is_rate_limited_per_tenant(api, frozen_clock, fire):
    tenant, daily = berlin(api, frozen_clock, at(2026, 12, 10, 9), events=["report_daily"])
    limit = get_settings().preview_rate_limit
    for day in range(1, limit + 1):
        assert send(tenant, daily["id"], "daily", f"2026-11-{day:02d}")[0] == 202
    status, body, headers = api.call("POST", f"/v1/integrations/{daily['id']}/reports/send",
                                     {"frequency": "daily", "period_end": "2026-11-20"}, token=tenant.token)
    assert_error((status, body), 429)
    assert int(headers["Retry-After"]) > 0
    fire(at(2026, 12, 10, 9))
    assert len(mails_to("ciso@berlin.example")) == limit  # the refused one queued nothing


def test_the_console_shows_each_integrations_next_report_at_its_hour(admin, acme, frozen_clock):
    # GIVEN a Berlin tenant on Wednesday 25 November 2026: the primary integration's weekly report at midnight,
    # the CISO's at 08:00
    assert acme.call("PATCH", "/v1/tenant", {"timezone": "Europe/Berlin"})[0] == 200
    acme.integration(name="CISO", emails="ciso@acme.io", events=["report_weekly"], report_hour=8)

    text = " ".join(re.sub(r"<[^>]+>", " ", admin.get("/console/reports").body).split())

    assert "CISO Weekly Monday 30 November 2026, 08:00 CET (within the hour after)" in text
    assert "Primary email Weekly Monday 30 November 2026, 00:00 CET (within the hour after)" in text


def test_the_console_form_sets_the_report_hour_and_refuses_one_that_is_not(admin, acme):
    created = acme.integration(name="CISO", emails="ciso@acme.io", events=["report_weekly"], report_hour=8)
    page = admin.get(f"/console/integrations/{created['id']}")
    assert '<option value="8" selected>08:00</option>' in page.body
    form = [("csrf", page.csrf), ("action", "save"), ("name", "CISO"), ("emails", "ciso@acme.io"),
            ("events", "report_weekly"), ("notifications", "instant")]

    for bad in ("24", "-1", "8.5", "soon"):
        refused = admin.post(f"/console/integrations/{created['id']}", [*form, ("report_hour", bad)])
        assert refused.status == 422 and 'id="report_hour-error"' in refused.body, bad
    assert acme.call("GET", f"/v1/integrations/{created['id']}")[1]["report_hour"] == 8
    saved = admin.post(f"/console/integrations/{created['id']}", [*form, ("report_hour", "6")])

    assert saved.status == 303
    after = acme.call("GET", f"/v1/integrations/{created['id']}")[1]
    assert after["report_hour"] == 6 and after["next_reports"] == {"weekly": "2026-11-30T06:00:00Z"}
