"""SLA reminders (issue 27 item 3): an integration that opts in gets one mail a week, when the tenant's week ends,
listing exactly the vulnerabilities open past their risk's SLA (most overdue first, dates in the tenant's zone);
none in a week with nothing overdue; the weeks' mails thread. Driven as a user would: events posted through the
API, the hourly scheduler fired on the injected clock, mail read back from moto's SES."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

import pytest

from chalicelib.email import threads
from chalicelib.email.reminders import SUBJECT
from local.outbox import Mail, messages
from tests.support.api import Api, TenantHandle
from tests.support.checks import assert_error, detail_paths, scan
from tests.support.clock import FrozenClock
from tests.support.console import Browser, form_fields, integration_id
from tests.support.pipeline import Pipeline

WEEK_48_END = datetime(2026, 11, 30, tzinfo=UTC)  # Monday 00:00 UTC: the end of 23-29 November
# id: (risk, title, host, detected, later status changes): acme's default SLA is high 7, medium 30, low 90 days
LEDGER: dict[str, tuple[str, str, str, datetime, list[tuple[datetime, str]]]] = {
    "H1": ("high", "SQLi in /login", "api.acme.io", datetime(2026, 11, 20, 9, tzinfo=UTC), []),  # due 27 Nov
    "H2": ("high", "XSS in /search", "www.acme.io", datetime(2026, 11, 23, 12, tzinfo=UTC), []),  # due 30 Nov 12:00
    "M1": ("medium", "Open redirect", "sso.acme.io", datetime(2026, 10, 20, 8, tzinfo=UTC), []),  # due 19 Nov
    "M2": ("medium", "Weak TLS", "mail.acme.io", datetime(2026, 10, 15, tzinfo=UTC),
           [(datetime(2026, 11, 25, tzinfo=UTC), "closed")]),  # fixed before the week ended
    "L1": ("low", "Server banner", "ftp.acme.io", datetime(2026, 8, 1, 9, tzinfo=UTC), []),  # due 30 Oct
    "L2": ("low", "Verbose errors", "api.acme.io", datetime(2026, 10, 1, tzinfo=UTC), []),  # due 30 Dec
    "R1": ("high", "IDOR in /orders", "api.acme.io", datetime(2026, 10, 1, tzinfo=UTC),  # its age counts from the
           [(datetime(2026, 10, 10, tzinfo=UTC), "closed"), (datetime(2026, 11, 26, 10, tzinfo=UTC), "open")]),
}
# the week-48 mail's lines: most overdue first, age and lateness in whole days at the week's end
WEEK_48_LINES = [
    "- [Low] Server banner (ftp.acme.io): open 120 days, due 2026-10-30, 30 days late",
    "- [Medium] Open redirect (sso.acme.io): open 40 days, due 2026-11-19, 10 days late",
    "- [High] SQLi in /login (api.acme.io): open 9 days, due 2026-11-27, 2 days late",
]
_ids = iter(range(10**6))


def post_ledger(tenant: TenantHandle, ledger: dict[str, tuple[str, str, str, datetime, list[tuple[datetime, str]]]],
                ) -> None:
    events: list[dict[str, Any]] = []
    for vid, (risk, title, host, detected, changes) in ledger.items():
        events.append({"id": f"e-{next(_ids)}", "type": "vulnerability.detected", "time": detected.isoformat(),
                       "data": {"id": vid, "risk": risk, "title": title, "host": host}})
        events += [{"id": f"e-{next(_ids)}", "type": "vulnerability.status_changed", "time": at.isoformat(),
                    "data": {"id": vid, "status": status}} for at, status in changes]
    status, body = tenant.call("POST", "/v1/events", {"events": events})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body


def reminders(address: str) -> list[Mail]:
    return [mail for mail in messages() if mail.to == [address] and mail.subject == SUBJECT]


def listed(mail: Mail) -> list[str]:
    return [line for line in mail.text.splitlines() if line.startswith("- [")]


def header(mail: Mail, name: str) -> str | None:
    value = message_from_bytes(mail.raw)[name]
    return None if value is None else str(value)


@pytest.fixture
def ledger(acme: TenantHandle, frozen_clock: FrozenClock, pipeline: Pipeline) -> dict[str, str]:
    """Acme's ledger posted; integrations: SLA (opted in, no reports), Quiet (not opted in); the default one takes
    the weekly report and every vulnerability notice but no reminder."""
    frozen_clock.moment = datetime(2026, 11, 29, 12, tzinfo=UTC)
    ids = {name: acme.integration(name=name, emails=address, events=["system"], sla_reminders=opted)["id"]
           for name, address, opted in (("SLA", "sla@acme.io", True), ("Quiet", "quiet@acme.io", False))}
    post_ledger(acme, LEDGER)
    pipeline.drain()
    return ids


def test_an_opted_in_integration_gets_one_mail_a_week_listing_exactly_the_overdue(
        acme: TenantHandle, globex: TenantHandle, ledger: dict[str, str], fire: Callable[[datetime], None]) -> None:
    # GIVEN Globex has an overdue vulnerability of its own and an integration that takes reminders
    globex.integration(name="IT", emails="sla@globex.example", events=["system"], sla_reminders=True)
    post_ledger(globex, {"G1": ("high", "Globex secret leak", "globex.example", datetime(2026, 10, 1, tzinfo=UTC),
                                [])})
    # WHEN the week ends (the scheduler fires in its first hour, then again an hour later)
    fire(WEEK_48_END + timedelta(minutes=5))
    fire(WEEK_48_END + timedelta(hours=1, minutes=5))
    # THEN the opted-in integration got one mail listing exactly the overdue ones, most overdue first
    [mail] = reminders("sla@acme.io")
    assert listed(mail) == WEEK_48_LINES
    assert "SLA: high 7 days, medium 30, low 90. Dates in UTC." in mail.text
    assert "As of 2026-11-30 00:00 UTC" in mail.text
    assert "3 vulnerabilities past their SLA: 1 high, 1 medium, 1 low" in mail.html  # the preheader
    assert all(title in mail.html for title in ("Server banner", "Open redirect", "SQLi in /login"))
    assert not any(title in mail.html + mail.text for title in (
        "XSS in /search", "Weak TLS", "Verbose errors", "IDOR in /orders", "Globex"))
    # AND it says the highest risk it lists, for mail rules
    assert (header(mail, "X-Email-Report-Severity"), header(mail, "Importance")) == ("high", "high")
    # AND the integrations that did not opt in got none; Globex's lists only its own
    assert reminders("quiet@acme.io") == [] and reminders("sec@acme.io") == []
    [theirs] = reminders("sla@globex.example")
    assert listed(theirs) == ["- [High] Globex secret leak (globex.example): open 60 days, due 2026-10-08, "
                              "53 days late"]
    # AND the delivery log shows it as a reminder, sent
    status, body = acme.call("GET", f"/v1/integrations/{ledger['SLA']}/deliveries")
    assert status == 200 and [(d["kind"], d["event_type"], d["status"]) for d in body["items"]] == [
        ("reminder", "sla_reminder", "sent")]


def test_no_mail_in_a_week_with_nothing_overdue(acme: TenantHandle, frozen_clock: FrozenClock,
                                               fire: Callable[[datetime], None]) -> None:
    # GIVEN an opted-in integration, and only vulnerabilities within their SLA (or fixed) at the week's end
    frozen_clock.moment = datetime(2026, 11, 29, 12, tzinfo=UTC)
    acme.integration(name="SLA", emails="sla@acme.io", events=["system"], sla_reminders=True)
    post_ledger(acme, {vid: LEDGER[vid] for vid in ("H2", "M2", "L2", "R1")})
    # WHEN the week ends
    fire(WEEK_48_END + timedelta(minutes=5))
    # THEN no reminder is sent (the weekly report still is)
    assert reminders("sla@acme.io") == []
    assert [mail.subject for mail in messages() if mail.to == ["sec@acme.io"]][-1] == "Weekly security report"


def test_the_weeks_mails_are_one_thread_and_each_week_lists_what_is_overdue_then(
        acme: TenantHandle, ledger: dict[str, str], fire: Callable[[datetime], None]) -> None:
    # WHEN two weeks end
    fire(WEEK_48_END + timedelta(minutes=5))
    fire(WEEK_48_END + timedelta(days=7, minutes=5))
    # THEN two mails, one subject, one thread: the integration's own
    first, second = reminders("sla@acme.io")
    thread = f"<{threads.sla_reminders(acme.id, ledger['SLA'])}@"
    for mail in (first, second):
        assert header(mail, "References") == header(mail, "In-Reply-To")
        assert (header(mail, "References") or "").startswith(thread)
    # AND the second week lists what became overdue since (H2; R1, 7 days after its reopening), a week older
    assert listed(second) == [
        "- [Low] Server banner (ftp.acme.io): open 127 days, due 2026-10-30, 37 days late",
        "- [Medium] Open redirect (sso.acme.io): open 47 days, due 2026-11-19, 17 days late",
        "- [High] SQLi in /login (api.acme.io): open 16 days, due 2026-11-27, 9 days late",
        "- [High] XSS in /search (www.acme.io): open 13 days, due 2026-11-30, 6 days late",
        "- [High] IDOR in /orders (api.acme.io): open 10 days, due 2026-12-03, 3 days late",
    ]


def test_dates_and_the_week_are_the_tenants_across_a_dst_change(api: Api, frozen_clock: FrozenClock,
                                                                 fire: Callable[[datetime], None]) -> None:
    # GIVEN a tenant in New York, whose week of 26 October - 1 November ends at 05:00 UTC (EST, after the change
    # of 1 November), and high-risk vulnerabilities due 30 Oct 21:00 EDT (31 Oct in UTC), 1 Nov 23:30 EST (overdue
    # only if the week ends at EST's midnight, not UTC's or EDT's) and 2 Nov 01:00 EST (after the week)
    frozen_clock.moment = datetime(2026, 10, 30, tzinfo=UTC)
    initech = api.tenant("Initech", "sec@initech.example", timezone="America/New_York")
    initech.integration(name="SLA", emails="sla@initech.example", events=["system"], sla_reminders=True)
    post_ledger(initech, {
        "A": ("high", "Overdue for days", "a.initech.example", datetime(2026, 10, 24, 1, tzinfo=UTC), []),
        "B": ("high", "Overdue at EST's midnight", "b.initech.example", datetime(2026, 10, 26, 4, 30, tzinfo=UTC), []),
        "C": ("high", "Due after the week", "c.initech.example", datetime(2026, 10, 26, 6, tzinfo=UTC), []),
    })
    # WHEN the scheduler fires at UTC midnight, then after New York's midnight
    fire(datetime(2026, 11, 2, 0, 5, tzinfo=UTC))
    assert reminders("sla@initech.example") == []
    fire(datetime(2026, 11, 2, 5, 5, tzinfo=UTC))
    # THEN one mail, the due date and the time it speaks of in New York's time
    [mail] = reminders("sla@initech.example")
    assert listed(mail) == [
        "- [High] Overdue for days (a.initech.example): open 9 days, due 2026-10-30, 2 days late",
        "- [High] Overdue at EST's midnight (b.initech.example): open 7 days, due 2026-11-01, less than a day late",
    ]
    assert "As of 2026-11-02 00:00 EST" in mail.text and "Dates in America/New_York." in mail.text


def test_opting_in_and_out_through_the_api_keeps_the_weekly_schedule_for_reminders_alone(
        acme: TenantHandle, fire: Callable[[datetime], None]) -> None:
    # GIVEN no integration takes a report, and an overdue vulnerability
    [default] = acme.call("GET", "/v1/integrations")[1]["items"]
    assert acme.call("PATCH", f"/v1/integrations/{default['id']}", {"events": ["system"]})[0] == 200
    created = acme.integration(name="SLA", emails="sla@acme.io", events=["system"])
    assert created["sla_reminders"] is False and weekly_schedules(acme) == []
    post_ledger(acme, {"H1": LEDGER["H1"]})
    # WHEN it opts in (a bad value first: refused, nothing changes)
    path = f"/v1/integrations/{created['id']}"
    error = assert_error(acme.call("PATCH", path, {"sla_reminders": "yes"}), 422, "validation_failed")
    assert detail_paths(error) == ["sla_reminders"] and acme.call("GET", path)[1]["sla_reminders"] is False
    status, body = acme.call("PATCH", path, {"sla_reminders": True})
    # THEN it reads back, the tenant has a weekly schedule again, and the week's end brings the reminder alone
    assert status == 200 and body["sla_reminders"] is True and acme.call("GET", path)[1]["sla_reminders"] is True
    assert weekly_schedules(acme) == ["schedule#weekly"]
    fire(WEEK_48_END + timedelta(minutes=5))
    assert len(reminders("sla@acme.io")) == 1
    assert not any("security report" in mail.subject for mail in messages())
    # AND after opting out, the schedule goes and the next week brings nothing
    assert acme.call("PATCH", path, {"sla_reminders": False})[1]["sla_reminders"] is False
    assert weekly_schedules(acme) == []
    fire(WEEK_48_END + timedelta(days=7, minutes=5))
    assert len(reminders("sla@acme.io")) == 1


def test_the_console_checkbox_sets_and_clears_sla_reminders(admin: Browser, acme: TenantHandle) -> None:
    # GIVEN the add form, unticked
    new = admin.get("/console/integrations/new")
    assert 'value="sla_reminders">' in new.body and "Remind weekly of vulnerabilities past their SLA" in new.body
    # WHEN an integration is added with the box ticked
    assert admin.post("/console/integrations", form_fields(new.csrf, options=["sla_reminders"])).status == 303
    # THEN it takes reminders, and its edit form shows the box ticked
    soc = integration_id(acme, "SOC")
    assert acme.call("GET", f"/v1/integrations/{soc}")[1]["sla_reminders"] is True
    edit = admin.get(f"/console/integrations/{soc}")
    assert 'value="sla_reminders" checked>' in edit.body
    # AND saving it unticked clears it, the rest as it was
    assert admin.post(f"/console/integrations/{soc}", form_fields(edit.csrf)).status == 303
    after = acme.call("GET", f"/v1/integrations/{soc}")[1]
    assert after["sla_reminders"] is False and after["events"][0] == "report_weekly"


def weekly_schedules(tenant: TenantHandle) -> list[str]:
    return sorted(row["sk"] for row in scan("reports_table")
                  if row.get("tenant_id") == tenant.id and row["sk"] == "schedule#weekly")
