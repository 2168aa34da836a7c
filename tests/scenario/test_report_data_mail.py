"""``attach_data`` (issue 26 item 3): an integration that asks for it gets the report's CSV zip beside the PDF,
set through the API and the console form; above the attachment limit together, the mail links to both."""

import hashlib
import io
import re
import zipfile
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest

from chalicelib.aws import tenants_repo
from chalicelib.reports import generation
from chalicelib.reports.periods import period_from_key
from chalicelib.settings import get_settings
from tests.support.console import form_fields
from tests.support.report_data import NOVEMBER_OVER, add_monthly, as_cells, ledger_tenant, linked, mail_to, read_zip
from tests.support.reports import fire_at


@pytest.fixture
def tenant(api, frozen_clock):
    return ledger_tenant(api, frozen_clock)


def test_attach_data_is_set_read_and_patched_through_the_api(tenant):
    created = add_monthly(tenant, "Data", "data@datenwerk.example", attach_data=True)
    assert created["attach_data"] is True
    assert add_monthly(tenant, "Plain", "plain@datenwerk.example")["attach_data"] is False
    status, patched = tenant.call("PATCH", f"/v1/integrations/{created['id']}", {"attach_data": False})
    assert status == 200 and patched["attach_data"] is False
    assert tenant.call("GET", f"/v1/integrations/{created['id']}")[1]["attach_data"] is False
    # a flag is a JSON boolean: anything else is a 422 and changes nothing
    for wrong in ("yes", 1, None):
        status, _ = tenant.call("PATCH", f"/v1/integrations/{created['id']}", {"attach_data": wrong})
        assert status == 422, wrong
    assert tenant.call("GET", f"/v1/integrations/{created['id']}")[1]["attach_data"] is False


def test_the_report_mail_carries_the_zip_beside_the_pdf_only_where_asked(tenant, api, pipeline, frozen_clock):
    add_monthly(tenant, "Data", "data@datenwerk.example", attach_data=True)
    add_monthly(tenant, "Plain", "plain@datenwerk.example")

    fire_at(api, pipeline, frozen_clock, NOVEMBER_OVER)

    with_data, plain = mail_to("data@datenwerk.example"), mail_to("plain@datenwerk.example")
    assert [name for name, _ in plain.attachments] == ["Datenwerk-monthly-report-2026-11.pdf"]
    assert [name for name, _ in with_data.attachments] == ["Datenwerk-monthly-report-2026-11.pdf",
                                                           "Datenwerk-monthly-report-2026-11-data.zip"]
    assert "its tables as CSV files in a zip" in with_data.text and "CSV" not in plain.text
    # the attached zip is the stored report's data
    rid = tenant.call("GET", "/v1/reports")[1]["items"][0]["id"]
    inline = tenant.call("GET", f"/v1/reports/{rid}/data?format=json")[1]["data"]
    attached = read_zip(dict(with_data.attachments)["Datenwerk-monthly-report-2026-11-data.zip"])
    assert attached == {name: as_cells(records) for name, records in inline.items()}
    assert attached["vulnerabilities"][0]["title"].startswith('Injection, "quoted"')
    assert with_data.attachments[0][1] == plain.attachments[0][1]  # one PDF for both


def test_above_the_limit_together_both_are_links(tenant, api, pipeline, frozen_clock, monkeypatch):
    add_monthly(tenant, "Data", "data@datenwerk.example", attach_data=True)
    add_monthly(tenant, "Plain", "plain@datenwerk.example")
    # GIVEN a limit the PDF fits but the PDF and the zip together do not (the report rendered ahead, as the
    # worker would, to learn its size)
    frozen_clock.moment = NOVEMBER_OVER
    report = generation.generate(tenants_repo.get(tenant.id), period_from_key("monthly", "Europe/Berlin", "2026-11"))
    monkeypatch.setenv("REPORT_ATTACHMENT_LIMIT_BYTES", str(report.size_bytes + 10))
    get_settings.cache_clear()
    try:
        fire_at(api, pipeline, frozen_clock, NOVEMBER_OVER)
    finally:
        monkeypatch.delenv("REPORT_ATTACHMENT_LIMIT_BYTES")
        get_settings.cache_clear()

    # THEN the plain integration still gets its PDF attached; the data one gets two links and no attachment
    assert len(mail_to("plain@datenwerk.example").attachments) == 1
    mail = mail_to("data@datenwerk.example")
    assert mail.attachments == []
    assert "The PDF and its data" in mail.text and "too large to attach" in mail.text
    pdf_link, data_link = re.findall(r"https?://\S*/report-links/\S+", mail.text)
    assert data_link == pdf_link + "?part=data" and f'href="{data_link}"' in mail.html
    # AND each link redirects to a fresh S3 link: the PDF, and the zip
    pdf = api.client.http.get(urlparse(pdf_link).path)
    zipped = api.client.http.get(f"{urlparse(data_link).path}?{urlparse(data_link).query}")
    assert pdf.status_code == 303 and zipped.status_code == 303
    assert linked(pdf.headers["Location"]).startswith(b"%PDF-")
    assert zipfile.ZipFile(io.BytesIO(linked(zipped.headers["Location"]))).namelist()[0].endswith(
        "-vulnerabilities.csv")


def test_the_console_form_sets_and_clears_attach_data(admin, acme):
    csrf = admin.get("/console/integrations/new").csrf
    added = admin.post("/console/integrations", form_fields(csrf, name="Data", options=["attach_data"]))
    assert added.status == 303, added.body
    items = acme.call("GET", "/v1/integrations")[1]["items"]
    data = next(item for item in items if item["name"] == "Data")
    assert data["attach_data"] is True

    page = admin.get(f"/console/integrations/{data['id']}")
    assert 'value="attach_data" checked' in page.body
    saved = admin.post(f"/console/integrations/{data['id']}", form_fields(page.csrf, name="Data"))
    assert saved.status == 303, saved.body
    assert acme.call("GET", f"/v1/integrations/{data['id']}")[1]["attach_data"] is False


def test_every_stored_report_shows_the_sha256_its_mailed_and_downloaded_pdf_has(api, pipeline, frozen_clock,
                                                                               browser, acme):
    # GIVEN a report stored and mailed
    acme.integration(name="Monthly", emails="monthly@acme.io", events=["report_monthly"])
    fire_at(api, pipeline, frozen_clock, datetime(2026, 12, 1, 0, 5, tzinfo=UTC))
    [listed] = acme.call("GET", "/v1/reports")[1]["items"]

    # THEN the API gives its SHA-256, the one of the PDF downloaded and of the PDF attached to the mail
    status, report = acme.call("GET", f"/v1/reports/{listed['id']}")
    assert status == 200 and report["sha256"] == listed["sha256"]
    downloaded = linked(report["download_url"])
    [(_, attached)] = mail_to("monthly@acme.io").attachments
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(attached).hexdigest() == report["sha256"]
    assert re.fullmatch("[0-9a-f]{64}", report["sha256"])
    # AND the console's reports page shows it beside the report
    assert browser.sign_in(acme.token).status == 303
    assert f"SHA-256 <code>{report['sha256']}</code>" in browser.get("/console/reports").body
