"""A report's tables as data (issue 26 item 3): the preview as pdf, csv and json, the stored report's data
endpoint, all read back and compared with each other, with the PDF and with a small ledger posted through the
API; titles with commas, quotes, line breaks and non-ASCII survive the CSV."""

import io
import zipfile
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from chalicelib.reports import data_files
from tests.support.report_data import LEDGER, TRICKY, as_cells, linked, read_zip
from tests.support.reports import fire_at


@pytest.fixture
def berlin(api, frozen_clock):
    """A Berlin tenant with the ledger posted, the clock just after November."""
    frozen_clock.moment = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    tenant = api.tenant("Ölwerk, \"GmbH\"", "sec@oelwerk.example", timezone="Europe/Berlin")
    status, body = tenant.call("POST", "/v1/events", {"events": LEDGER})
    assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body
    return tenant


def _preview(tenant, output: str) -> dict:
    status, body = tenant.call("POST", "/v1/reports/preview",
                               {"frequency": "monthly", "period_end": "2026-11-30", "format": output})
    assert status == 200, body
    assert body["format"] == output
    return body


def test_csv_and_json_previews_hold_the_same_tables_and_match_the_ledger(berlin):
    # WHEN the month is previewed as json and as csv
    inline = _preview(berlin, "json")
    zipped = _preview(berlin, "csv")

    # THEN json carries the tables and no link; csv a link to a zip of one CSV per table, the same cells
    assert inline["download_url"] is None and zipped["data"] is None
    tables = read_zip(linked(zipped["download_url"]))
    assert set(tables) == {"vulnerabilities", "incidents", "source_ips", "endpoints"}
    assert {name: as_cells(records) for name, records in inline["data"].items()} == tables

    # AND the rows say what the ledger did, at the period's end, in Berlin time
    rows = {row["id"]: row for row in tables["vulnerabilities"]}
    assert rows["V1"] == {"id": "V1", "title": TRICKY, "risk": "high", "host": "pay.example",
                          "target": "GET /search (q)", "status": "closed", "detected_at": "2026-11-03T12:00:00+01:00",
                          "fixed_at": "2026-11-08T12:00:00+01:00", "reopened_at": "", "age_days": "", "fix_days": "5",
                          "sla_due_at": "", "overdue": "false"}
    assert (rows["V2"]["status"], rows["V2"]["age_days"], rows["V2"]["sla_due_at"], rows["V2"]["overdue"]) == \
        ("open", "51", "2026-11-09T11:00:00+01:00", "true")  # 30 × 24 h, across the change from CEST
    assert (rows["V3"]["status"], rows["V3"]["reopened_at"], rows["V3"]["age_days"], rows["V3"]["sla_due_at"],
            rows["V3"]["overdue"]) == ("reopened", "2026-11-20T12:00:00+01:00", "10", "2027-02-18T12:00:00+01:00",
                                       "false")
    assert [(i["id"], i["began_in_period"]) for i in tables["incidents"]] == [("i1", "true"), ("i0", "false")]
    assert tables["incidents"][0]["title"] == 'Credential stuffing, "admin"'
    assert tables["source_ips"] == [{"ip": "203.0.113.7", "note": "DE", "attacks": "4", "hits": "8"},
                                    {"ip": "198.51.100.9", "note": "US", "attacks": "5", "hits": "10"}][::-1]
    assert {(e["endpoint"], e["attacks"]) for e in tables["endpoints"]} == {("pay.example /login", "6"),
                                                                           ("pay.example /search", "3")}


def test_the_csv_quotes_as_rfc_4180_says(berlin):
    archive = linked(_preview(berlin, "csv")["download_url"])
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        name = next(n for n in opened.namelist() if n.endswith("-vulnerabilities.csv"))
        text = opened.read(name).decode("utf-8")
    # a field with a comma, quote or line break is quoted, its quotes doubled; the record separator is CRLF
    assert '"Injection, ""quoted"" in /search\nsecond line — ümlaut ログイン"' in text
    assert text.startswith("id,title,risk,host,target,status,detected_at,") and text.endswith("\r\n")
    assert name == "lwerk---GmbH-monthly-report-2026-11-vulnerabilities.csv"  # named as the PDF download is


def test_the_pdf_and_the_data_of_one_preview_never_disagree(berlin):
    pdf = _preview(berlin, "pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(linked(pdf["download_url"]))).pages)
                    .split())
    tables = _preview(berlin, "json")["data"]
    # the open rows per risk are the PDF's open figures; every title and source the data lists, the PDF shows
    figures = {f["name"]: f["value"] for f in pdf["figures"]}
    for risk in ("high", "medium", "low"):
        assert sum(r["risk"] == risk and r["status"] in {"open", "reopened"} for r in tables["vulnerabilities"]) \
            == figures[f"open_{risk}"]
    for row in tables["vulnerabilities"]:
        assert row["title"].split("\n")[0][:20] in text
    for row in tables["source_ips"]:
        assert row["ip"] in text
    for row in tables["incidents"]:
        assert row["title"][:20] in text


def test_a_stored_report_serves_its_tables_and_another_tenant_gets_404(berlin, api, pipeline, frozen_clock):
    # GIVEN November's report stored by the report worker (an integration takes monthly reports)
    berlin.integration(name="CISO", emails="ciso@oelwerk.example", events=["report_monthly"])
    fire_at(api, pipeline, frozen_clock, datetime(2026, 11, 30, 23, 5, tzinfo=UTC))
    status, listed = berlin.call("GET", "/v1/reports?frequency=monthly")
    assert status == 200 and len(listed["items"]) == 1, listed
    rid = listed["items"][0]["id"]

    # WHEN its data is asked for in each format
    status, inline = berlin.call("GET", f"/v1/reports/{rid}/data?format=json")
    assert status == 200, inline
    status, zipped = berlin.call("GET", f"/v1/reports/{rid}/data?format=csv")
    assert status == 200, zipped

    # THEN both hold the tables, alike, and like a preview of the same period
    assert {name: as_cells(records) for name, records in inline["data"].items()} == \
        read_zip(linked(zipped["download_url"]))
    assert inline["data"] == _preview(berlin, "json")["data"]

    # AND no format means csv, a bad format is a 422, another tenant's report a 404
    default = berlin.call("GET", f"/v1/reports/{rid}/data")[1]
    assert default["format"] == "csv"
    assert read_zip(linked(default["download_url"])) == read_zip(linked(zipped["download_url"]))
    assert berlin.call("GET", f"/v1/reports/{rid}/data?format=xlsx")[0] == 422
    other = api.tenant("Globex", "sec@globex.example")
    assert other.call("GET", f"/v1/reports/{rid}/data?format=json")[0] == 404


def test_tables_too_large_for_one_answer_are_a_422_pointing_at_the_zip(berlin, api, pipeline, frozen_clock,
                                                                        monkeypatch):
    berlin.integration(name="CISO", emails="ciso@oelwerk.example", events=["report_monthly"])
    fire_at(api, pipeline, frozen_clock, datetime(2026, 11, 30, 23, 5, tzinfo=UTC))
    rid = berlin.call("GET", "/v1/reports")[1]["items"][0]["id"]
    # GIVEN a limit below these tables' JSON (Lambda's answer holds 6 MB; 20,000 rows are about 6.5 MB)
    monkeypatch.setattr(data_files, "INLINE_LIMIT", 1000)

    # WHEN they are asked for inline, THEN a 422 says to ask for csv; the zip is still served
    status, refused = berlin.call("POST", "/v1/reports/preview",
                                  {"frequency": "monthly", "period_end": "2026-11-30", "format": "json"})
    assert status == 422 and "ask for format csv" in refused["error"]["details"][0]["message"], refused
    status, refused = berlin.call("GET", f"/v1/reports/{rid}/data?format=json")
    assert status == 422 and refused["error"]["details"][0]["path"] == "format", refused
    assert berlin.call("GET", f"/v1/reports/{rid}/data?format=csv")[0] == 200
