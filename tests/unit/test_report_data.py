"""A report's tables as data, pure: the rows built from the report content, and the CSV zip's RFC 4180 spelling."""

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta

from chalicelib.models.security import Incident, SecurityData, Vulnerability
from chalicelib.reports.content import build_report
from chalicelib.reports.csv_zip import csv_text, zipped
from chalicelib.reports.data import Table, as_json, tables
from chalicelib.reports.periods import period_from_key

WEEK = period_from_key("weekly", "Asia/Kolkata", "2026-W48")  # a half-hour offset


def _report():
    start = WEEK.start.astimezone(UTC)
    vulnerabilities = [
        Vulnerability(id="open-old", at=start - timedelta(days=20), risk="high", title="Old, open"),
        Vulnerability(id="fixed", at=start + timedelta(days=1), risk="low", title="Fixed", status="open"),
    ]
    data = SecurityData(vulnerabilities=vulnerabilities, incidents=[
        Incident(id="i1", at=start + timedelta(hours=5), title="Spray", risk="high")])
    return build_report("Acme", WEEK, data, SecurityData(), generated_at=WEEK.end)


def test_rows_are_the_report_rows_in_the_tenants_offset_with_age_and_sla():
    [vulnerabilities, incidents, ips, endpoints] = tables(_report())
    old = dict(zip(vulnerabilities.columns, vulnerabilities.rows[0], strict=True))
    assert old["id"] == "open-old" and old["status"] == "open" and old["overdue"] is True
    assert old["age_days"] == 27 and old["fix_days"] is None and old["fixed_at"] is None
    assert old["detected_at"].endswith("+05:30") and old["sla_due_at"].endswith("+05:30")
    assert datetime.fromisoformat(old["sla_due_at"]) - datetime.fromisoformat(old["detected_at"]) == timedelta(days=7)
    assert as_json([incidents])["incidents"][0]["began_in_period"] is True
    assert ips.rows == [] and endpoints.rows == []


def test_csv_quotes_commas_quotes_and_line_breaks_and_reads_back():
    table = Table("t", ("a", "b", "c"), [('x, "y"', "line\nbreak — ü", None), ("plain", 3, False)])
    text = csv_text(table)
    assert text == 'a,b,c\r\n"x, ""y""","line\nbreak — ü",\r\nplain,3,false\r\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a", "b", "c"], ['x, "y"', "line\nbreak — ü", ""],
                                                              ["plain", "3", "false"]]


def test_the_zip_is_the_same_bytes_each_time_and_holds_one_file_per_table():
    report = _report()
    first, again = (zipped(tables(report), "Acme-weekly", report.generated_at) for _ in range(2))
    assert first == again
    assert zipfile.ZipFile(io.BytesIO(first)).namelist() == [
        "Acme-weekly-vulnerabilities.csv", "Acme-weekly-incidents.csv", "Acme-weekly-source_ips.csv",
        "Acme-weekly-endpoints.csv"]
