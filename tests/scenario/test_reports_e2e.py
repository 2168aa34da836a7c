"""Scheduled reports end to end: events over HTTP → hourly scheduler at each tenant's local midnight →
report queue → report worker (PDF in S3, one delivery per integration) → delivery worker → SES outbox."""

import io
from datetime import UTC, datetime
from urllib.parse import unquote, urlparse

import pytest
from pypdf import PdfReader

from chalicelib.aws import blobs
from chalicelib.settings import get_settings
from tests.support import report_data
from tests.support.checks import assert_error, scan
from tests.support.pipeline import outbox


def post_events(tenant, *events):
    status, body = tenant.call("POST", "/v1/events", {"events": list(events)})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body


def vuln(event_id, at, title, risk="high"):
    return {"id": event_id, "type": "vulnerability.detected", "time": at,
            "data": {"risk": risk, "title": title, "host": "api.example.io", "path": "/login", "method": "POST"}}


def attack(event_id, at, hits=3):
    return {"id": event_id, "type": "attack.detected", "time": at,
            "data": {"type": "sqli", "host": "api.example.io", "hits": hits}}


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def fire(api, pipeline, frozen_clock):
    """Fire the hourly schedule at ``when`` (UTC), run the report jobs it queued, then the deliveries."""
    def run(when: datetime) -> None:
        report_data.fire(api, pipeline, frozen_clock, when)
    return run


@pytest.fixture
def west(api):
    tenant = api.tenant("West Coast Inc", "sec@west.example", timezone="America/Los_Angeles")
    tenant.integration(name="Daily", emails="daily@west.example", events=["report_daily"])
    return tenant


@pytest.fixture
def east(api):
    tenant = api.tenant("Tōkyō Безопасность", "sec@tokyo.example", timezone="Asia/Tokyo")
    tenant.integration(name="Daily", emails="daily@tokyo.example", events=["report_daily"])
    return tenant


def object_key(url: str) -> str:
    """The S3 key a presigned link points at (virtual-hosted or path-style)."""
    path = unquote(urlparse(url).path).lstrip("/")
    return path.removeprefix(get_settings().reports_bucket + "/")


def mails_to(address):
    return [mail for mail in outbox() if address in mail.to]


def test_each_tenant_gets_its_own_calendar_day_at_its_local_midnight(west, east, fire):
    # Tokyo's 24 November is 2026-11-23T15:00Z .. 2026-11-24T15:00Z; Los Angeles's is 08:00Z .. 08:00Z next day.
    post_events(east, vuln("t-v1", "2026-11-24T03:00:00Z", "Tokyo SQLi in /login"),
                vuln("t-v2", "2026-11-24T16:00:00Z", "Tokyo next-day finding"),
                attack("t-a1", "2026-11-24T01:10:00Z", hits=5))
    post_events(west, vuln("w-v1", "2026-11-24T20:00:00Z", "West XSS in /search", risk="medium"),
                vuln("w-v2", "2026-11-24T07:30:00Z", "West previous-day finding"),
                attack("w-a1", "2026-11-24T21:00:00Z"), attack("w-a2", "2026-11-24T22:00:00Z"))

    fire(datetime(2026, 11, 24, 15, 5, tzinfo=UTC))  # just after midnight in Tokyo only

    assert mails_to("daily@west.example") == []
    [tokyo] = mails_to("daily@tokyo.example")
    assert tokyo.subject == "Daily security report" and "Tuesday, 24 November 2026" in tokyo.text
    [(filename, data)] = tokyo.attachments
    assert filename == "T-ky-daily-report-2026-11-24.pdf"  # the download's name (company, frequency, period)
    # AND the body names the company and the period, and its times are Tokyo's, not UTC
    assert "Tōkyō Безопасность: daily security report, Tuesday, 24 November 2026" in tokyo.text
    assert "Generated 2026-11-25 00:05 JST" in tokyo.text and "UTC" not in tokyo.text
    text = pdf_text(data)
    assert "Tokyo SQLi in /login" in text and "Tokyo next-day finding" not in text
    assert "Tōkyō Безопасность" in text
    assert b"Content-Type: application/pdf" in tokyo.raw
    assert "Attacks: 1" in tokyo.text and "Open high-risk vulnerabilities: 1" in tokyo.text

    fire(datetime(2026, 11, 25, 8, 5, tzinfo=UTC))  # just after midnight in Los Angeles

    [la] = mails_to("daily@west.example")
    assert len(mails_to("daily@tokyo.example")) == 1
    text = pdf_text(la.attachments[0][1])
    assert "West XSS in /search" in text
    assert "West previous-day finding" in text  # found the day before, still open: in this day's backlog
    assert "Attacks: 2" in la.text and "Hits: 6" in la.text and "Open high-risk vulnerabilities: 1" in la.text


def test_firing_twice_or_late_sends_each_report_once(west, fire, api):
    west.integration(name="Second", emails="second@west.example", events=["report_daily", "system"])
    post_events(west, vuln("w-v1", "2026-11-24T20:00:00Z", "West XSS in /search"))

    fire(datetime(2026, 11, 25, 8, 0, 30, tzinfo=UTC))
    fire(datetime(2026, 11, 25, 8, 1, tzinfo=UTC))  # a second firing in the same hour (new event id)
    fire(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))  # still inside the look-back window

    assert len(mails_to("daily@west.example")) == 1 and len(mails_to("second@west.example")) == 1
    reports = [item for item in scan("reports_table") if item["sk"].startswith("report#")]
    assert len(reports) == 1
    status, page = west.call("GET", "/v1/reports")
    assert status == 200 and [r["period_key"] for r in page["items"]] == ["2026-11-24"]
    status, report = west.call("GET", f"/v1/reports/{page['items'][0]['id']}")
    assert status == 200 and report["download_url"].startswith("http")
    stored = f"reports/{west.id}/daily/2026-11-24/West-Coast-Inc-daily-report-2026-11-24.pdf"  # the download's name
    assert report["size_bytes"] == len(blobs.get(stored))
    assert "object_key" not in report and "tenant_id" not in report
    deliveries = [d for d in scan("deliveries_table") if d["kind"] == "report"]
    assert len(deliveries) == 2 and {d["status"] for d in deliveries} == {"sent"}


def test_a_daylight_saving_day_is_reported_with_its_25_hours(west, fire):
    # 1 November 2026: Los Angeles falls back from PDT to PST; the day runs 07:00Z .. 08:00Z next day.
    post_events(west, vuln("dst-early", "2026-11-01T07:30:00Z", "Just after midnight PDT"),
                vuln("dst-late", "2026-11-02T07:30:00Z", "In the repeated hour"),
                vuln("dst-after", "2026-11-02T08:30:00Z", "On 2 November"))

    fire(datetime(2026, 11, 2, 8, 5, tzinfo=UTC))

    [mail] = mails_to("daily@west.example")
    text = pdf_text(mail.attachments[0][1])
    assert "Just after midnight PDT" in text and "In the repeated hour" in text and "On 2 November" not in text


def test_weekly_and_monthly_reports_at_their_boundaries(api, fire):
    tenant = api.tenant("Berlin GmbH", "sec@berlin.example", timezone="Europe/Berlin")
    tenant.integration(name="Digest", emails="digest@berlin.example", events=["report_weekly", "report_monthly"])
    post_events(tenant, vuln("b-v1", "2026-11-20T12:00:00Z", "Found in week 47"))

    fire(datetime(2026, 11, 22, 23, 5, tzinfo=UTC))  # Monday 23 November 00:05 in Berlin: week 47 ended
    fire(datetime(2026, 11, 30, 23, 5, tzinfo=UTC))  # Tuesday 1 December 00:05 in Berlin: November ended

    subjects = sorted((mail.subject, mail.text) for mail in mails_to("digest@berlin.example"))
    # the scheduler missed week 48's end (29/30 Nov): it catches the period up, not only its 3-hour look-back
    assert [subject for subject, _ in subjects] == ["Monthly security report"] + ["Weekly security report"] * 2
    assert "November 2026" in subjects[0][1]
    assert "Week 47: 16 – 22 November 2026" in subjects[1][1] + subjects[2][1]
    assert "Week 48: 23 – 29 November 2026" in subjects[1][1] + subjects[2][1]
    for mail in mails_to("digest@berlin.example"):
        assert "Found in week 47" in pdf_text(mail.attachments[0][1])


def test_above_the_size_limit_the_email_carries_a_link(api, west, east, fire, frozen_clock, monkeypatch):
    monkeypatch.setenv("REPORT_ATTACHMENT_LIMIT_BYTES", "1000")
    get_settings.cache_clear()
    try:
        post_events(west, vuln("w-v1", "2026-11-24T20:00:00Z", "West XSS in /search"))
        fire(datetime(2026, 11, 25, 8, 5, tzinfo=UTC))
        fire(datetime(2026, 11, 25, 9, 5, tzinfo=UTC))  # the look-back runs the job again: no mail, no new link
    finally:
        monkeypatch.delenv("REPORT_ATTACHMENT_LIMIT_BYTES")
        get_settings.cache_clear()

    [mail] = mails_to("daily@west.example")
    assert mail.attachments == []
    assert "too large to attach" in mail.text and "the link expires 2026-12-02 00:05 PST" in mail.text
    assert "UTC" not in mail.text  # every time in the tenant's zone
    link = next(word for word in mail.text.split() if word.startswith("http"))
    assert link.startswith(f"{get_settings().console_url}/report-links/{west.id}.")
    assert f'href="{link}"' in mail.html
    secret = link.rpartition(".")[2]
    [stored] = [item for item in scan("reports_table") if item["sk"].startswith("link#")]
    assert secret not in str(stored) and stored["link_expires_at"] == "2026-12-02T08:05:00+00:00"

    # No sign-in needed: the link redirects to a fresh, short-lived S3 link to the PDF (an S3 link signed by the
    # Lambda role would stop working with the role's credentials, hours later).
    path = urlparse(link).path
    response = api.client.http.get(path)
    assert response.status_code == 303, response.body
    location = response.headers["Location"]
    assert object_key(location) == f"reports/{west.id}/daily/2026-11-24/West-Coast-Inc-daily-report-2026-11-24.pdf"
    assert "X-Amz-Expires=3600" in location
    assert "West XSS in /search" in pdf_text(blobs.get(object_key(location)))

    frozen_clock.moment = datetime(2026, 12, 2, 8, 4, tzinfo=UTC)
    assert api.client.http.get(path).status_code == 303
    frozen_clock.moment = datetime(2026, 12, 2, 8, 5, tzinfo=UTC)
    expired = api.client.http.get(path)
    assert expired.status_code == 410 and "Location" not in expired.headers
    assert "expired on 2026-12-02 08:05 UTC" in expired.body.decode() and "Sign in" in expired.body.decode()

    for wrong in (path[:-3] + "abc", path.replace(west.id, east.id), path.rpartition(".")[0], path + "." + secret):
        response = api.client.http.get(wrong)
        assert response.status_code == 404 and "Location" not in response.headers, wrong
        assert "not valid" in response.body.decode()


def test_a_quiet_day_gives_a_short_no_events_report(west, fire):
    fire(datetime(2026, 11, 25, 8, 5, tzinfo=UTC))

    [mail] = mails_to("daily@west.example")
    assert "No attacks, vulnerabilities or incidents" in mail.text
    assert pdf_text(mail.attachments[0][1])


def test_preview_renders_now_and_links_to_the_pdf(west):
    post_events(west, vuln("w-v1", "2026-11-24T20:00:00Z", "West XSS in /search"))

    status, body = west.call("POST", "/v1/reports/preview", {"frequency": "daily", "period_end": "2026-11-24"})

    assert status == 200, body
    assert body["period_key"] == "2026-11-24" and body["timezone"] == "America/Los_Angeles"
    key = object_key(body["download_url"])
    assert key.startswith(f"previews/{west.id}/") and "West XSS in /search" in pdf_text(blobs.get(key))
    status, default = west.call("POST", "/v1/reports/preview", {"frequency": "weekly"})
    assert status == 200 and default["period_key"] == "2026-W47"
    status, listed = west.call("GET", "/v1/reports")
    assert listed["items"] == []  # previews are not scheduled reports


def test_a_preview_of_a_period_that_has_not_ended_is_marked_partial(west):
    # GIVEN an attack on Tuesday of the week that has not ended (it is Wednesday, 02:00 in Los Angeles)
    post_events(west, attack("w-a1", "2026-11-24T20:00:00Z", hits=4))

    # WHEN the admin previews this week and the last complete one
    status, now = west.call("POST", "/v1/reports/preview", {"frequency": "weekly", "period_end": "2026-11-29"})
    _, done = west.call("POST", "/v1/reports/preview", {"frequency": "weekly"})

    # THEN this week's preview is partial and says so on its first page; the complete week's is not
    assert status == 200 and (now["partial"], now["empty"], done["partial"]) == (True, False, False)
    text = " ".join(pdf_text(blobs.get(object_key(now["download_url"]))).split())
    for expected in ["Partial period: this week ends on 29 November 2026.",
                     "until 25 November 2026 02:00 PST; the figures will still change.",
                     "1 attack (4 hits) this week so far", "whole previous week: 0"]:
        assert expected in text, expected
    assert "Partial period" not in pdf_text(blobs.get(object_key(done["download_url"])))


def test_preview_rejects_a_bad_period_end_and_is_rate_limited(west):
    assert_error(west.call("POST", "/v1/reports/preview", {"frequency": "weekly", "period_end": "2026-11-24"}), 422)
    assert_error(west.call("POST", "/v1/reports/preview", {"frequency": "daily", "period_end": "2030-01-01"}), 422)
    assert_error(west.call("POST", "/v1/reports/preview", {"frequency": "hourly"}), 422)
    assert_error(west.call("POST", "/v1/reports/preview", {"frequency": "daily"}, token=west.token_for("viewer")),
                 403)
    limit = get_settings().preview_rate_limit
    for _ in range(limit):
        assert west.call("POST", "/v1/reports/preview", {"frequency": "daily"})[0] == 200
    assert_error(west.call("POST", "/v1/reports/preview", {"frequency": "daily"}), 429)


def test_reports_of_another_tenant_are_not_found(west, east, fire):
    fire(datetime(2026, 11, 25, 8, 5, tzinfo=UTC))
    page = west.call("GET", "/v1/reports")[1]
    report_id = page["items"][0]["id"]

    assert_error(east.call("GET", f"/v1/reports/{report_id}"), 404)
    assert east.call("GET", "/v1/reports")[1]["items"] == []


def test_test_integration_sends_a_sample_report(west):
    integration = west.integration(name="Weekly", emails="weekly@west.example", events=["report_weekly", "system"])

    status, body = west.call("POST", f"/v1/integrations/{integration['id']}/test")

    assert status == 200 and body["ok"] is True, body
    assert [s["step"] for s in body["steps"]][-2:] == ["send_system", "send_report_weekly"]
    [mail] = [m for m in mails_to("weekly@west.example") if "report" in m.subject]
    assert mail.subject == "[Test message] Weekly security report" and "Week 47: 16 – 22 November 2026" in mail.text
    assert "This is a test message" in mail.text
    # AND the body and every page of the PDF say SAMPLE: a forwarded copy is never taken for real figures
    assert "West Coast Inc: SAMPLE weekly security report (made-up figures)" in mail.text
    assert "SAMPLE: every figure below and in the attached PDF is made up" in mail.text and "SAMPLE:" in mail.html
    [(filename, data)] = mail.attachments
    assert filename == "SAMPLE-West-Coast-Inc-weekly-report-2026-W47.pdf" and "Top attack types" in pdf_text(data)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) > 1 and all("SAMPLE: made-up figures from Test integration" in page for page in pages)
    assert [row["sk"] for row in scan("reports_table")] == ["schedule#daily", "schedule#weekly"]  # schedules only
    assert scan("deliveries_table") == []


def test_report_list_is_paginated_newest_first(west, fire):
    for day in (23, 24, 25):
        fire(datetime(2026, 11, day, 8, 5, tzinfo=UTC))

    status, first = west.call("GET", "/v1/reports?limit=2")
    assert status == 200 and [r["period_key"] for r in first["items"]] == ["2026-11-24", "2026-11-23"]
    status, second = west.call("GET", f"/v1/reports?limit=2&cursor={first['next_cursor']}")
    # Monday 23 November 00:05 also ended week 47 (the default integration subscribes report_weekly).
    assert [r["period_key"] for r in second["items"]] == ["2026-W47", "2026-11-22"]
    if second["next_cursor"]:
        assert west.call("GET", f"/v1/reports?limit=2&cursor={second['next_cursor']}")[1]["items"] == []
    assert_error(west.call("GET", "/v1/reports?cursor=nonsense"), 400)
    assert [r["period_key"] for r in west.call("GET", "/v1/reports?frequency=weekly")[1]["items"]] == ["2026-W47"]
