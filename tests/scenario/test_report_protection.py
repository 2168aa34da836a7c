"""Protected PDFs (issue 26 item 6): an integration with a PDF password gets its reports encrypted (AES-256) with
it, attached or behind its emailed link; the password is write-only in the API, sealed with KMS in DynamoDB, in no
mail; the stored report stays the canonical, unprotected PDF its SHA-256 names."""

import hashlib
import io
import re
from urllib.parse import urlparse

import pytest
from botocore.exceptions import ClientError
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from chalicelib.aws import secrets
from chalicelib.reports import protection
from chalicelib.resources import TABLES
from chalicelib.settings import get_settings
from local.pollers import poll_once
from tests.support.checks import integration_items, scan
from tests.support.pipeline import outbox
from tests.support.report_data import NOVEMBER_OVER, add_monthly, ledger_tenant, linked, mail_to
from tests.support.reports import fire_at

PASSWORD = "Ωmega-Tr0ub4dor&3 horse"  # not ASCII, with a space: the reader types what SASLprep keeps
NEW_PASSWORD = "battery-staple-correct"


@pytest.fixture
def tenant(api, frozen_clock):
    return ledger_tenant(api, frozen_clock)


def _text(document: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(document))
    if password is not None:
        assert reader.decrypt(password), "the password does not open the PDF"
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _opens_only_with(document: bytes, password: str) -> str:
    """The text of an encrypted PDF: AES-256 (PDF 2.0's revision 6), unreadable without ``password``."""
    reader = PdfReader(io.BytesIO(document))
    assert reader.is_encrypted and reader.trailer["/Encrypt"]["/R"] == 6
    assert not PdfReader(io.BytesIO(document)).decrypt("wrong password")
    with pytest.raises(FileNotDecryptedError):
        _text(document)
    return _text(document, password)


def _send_now(api, pipeline, tenant, integration_id: str, period_end: str) -> None:
    status, body = tenant.call("POST", f"/v1/integrations/{integration_id}/reports/send",
                               {"frequency": "monthly", "period_end": period_end})
    assert status == 202, body
    while poll_once(get_settings().report_queue, lambda e: api.client.lambda_.invoke("report_worker", e).payload):
        pass
    pipeline.drain()


def test_a_protected_integration_gets_encrypted_pdfs_and_its_password_is_nowhere_else(
        tenant, api, pipeline, frozen_clock, monkeypatch):
    # GIVEN an integration with a PDF password (taking the data too) and one without, made through the API
    board = add_monthly(tenant, "Board", "board@datenwerk.example", pdf_password=PASSWORD, attach_data=True)
    add_monthly(tenant, "Plain", "plain@datenwerk.example")
    assert board["pdf_password_set"] is True and "pdf_password" not in board
    listed = {item["name"]: item["pdf_password_set"] for item in tenant.call("GET", "/v1/integrations")[1]["items"]}
    assert listed == {"Primary email": False, "Board": True, "Plain": False}
    # AND its password is sealed in DynamoDB, under a context that opens for this integration alone
    [item] = [row for row in integration_items(tenant.id) if row["sk"] == f"int#{board['id']}"]
    sealed = item["pdf_password_sealed"]
    assert secrets.unseal(sealed, protection.context(tenant.id, board["id"])) == PASSWORD
    with pytest.raises(ClientError, match="InvalidCiphertext"):
        secrets.unseal(sealed, protection.context(tenant.id, "another-integration"))

    # WHEN November's report goes out
    fire_at(api, pipeline, frozen_clock, NOVEMBER_OVER)

    # THEN the plain integration gets the stored report, whose SHA-256 the API shows
    [report] = tenant.call("GET", "/v1/reports")[1]["items"]
    plain = mail_to("plain@datenwerk.example")
    canonical = plain.attachments[0][1]
    assert hashlib.sha256(canonical).hexdigest() == report["sha256"]
    # AND the board gets the same report encrypted with its password, alone (the data zip is not attached)
    board_mail = mail_to("board@datenwerk.example")
    assert [name for name, _ in board_mail.attachments] == ["Datenwerk-monthly-report-2026-11.pdf"]
    assert _opens_only_with(board_mail.attachments[0][1], PASSWORD) == _text(canonical)
    # AND its mail says the PDF is protected, keeps the figures inside it, points to the console for the data
    assert "password-protected" in board_mail.text and "password-protected" in board_mail.html
    assert "Attacks:" in plain.text and "Attacks:" not in board_mail.text
    assert "not attached to a protected report" in board_mail.text
    # AND Test integration's sample report is protected the same way, so recipients can check their password
    status, result = tenant.call("POST", f"/v1/integrations/{board['id']}/test")
    assert status == 200 and result["ok"], result
    [sample] = [mail for mail in outbox() if "board@datenwerk.example" in mail.to and "[Test message]" in mail.subject]
    assert "SAMPLE" in _opens_only_with(sample.attachments[0][1], PASSWORD)

    # WHEN the password changes and a later report is too large to attach
    status, patched = tenant.call("PATCH", f"/v1/integrations/{board['id']}", {"pdf_password": NEW_PASSWORD})
    assert status == 200 and patched["pdf_password_set"] is True
    monkeypatch.setenv("REPORT_ATTACHMENT_LIMIT_BYTES", "10")
    get_settings.cache_clear()
    try:
        _send_now(api, pipeline, tenant, board["id"], "2026-10-31")
    finally:
        monkeypatch.delenv("REPORT_ATTACHMENT_LIMIT_BYTES")
        get_settings.cache_clear()

    # THEN its link serves the board's copy, opened by the new password, and not the data
    linked_mail = next(mail for mail in outbox() if "board@datenwerk.example" in mail.to and not mail.attachments)
    [link] = re.findall(r"https?://\S*/report-links/\S+", linked_mail.text)
    followed = api.client.http.get(urlparse(link).path)
    assert followed.status_code == 303
    assert "October 2026" in _opens_only_with(linked(followed.headers["Location"]), NEW_PASSWORD)
    assert api.client.http.get(f"{urlparse(link).path}?part=data").status_code == 404

    # AND neither password is in any mail, any API answer about the integration, or any DynamoDB row in clear
    for mail in outbox():
        for secret in (PASSWORD, NEW_PASSWORD):
            assert secret not in mail.text and secret not in mail.html and secret not in mail.subject
            assert secret.encode() not in mail.raw
    answers = [tenant.call("GET", f"/v1/integrations/{board['id']}")[1], tenant.call("GET", "/v1/integrations")[1]]
    rows = [scan(table.setting) for table in TABLES]
    for secret in (PASSWORD, NEW_PASSWORD):
        assert secret not in str(answers) and secret not in str(rows)

    # WHEN the protection is removed (null), THEN the sealed password goes with it
    status, removed = tenant.call("PATCH", f"/v1/integrations/{board['id']}", {"pdf_password": None})
    assert status == 200 and removed["pdf_password_set"] is False
    [item] = [row for row in integration_items(tenant.id) if row["sk"] == f"int#{board['id']}"]
    assert "pdf_password_sealed" not in item


@pytest.mark.writes_nothing
@pytest.mark.parametrize("password", ["short", "x" * 128, "é" * 64 + "abc", "abc\u202edefghijk", "tab\there-ok",
                                      12345678, ["list-of-one"]],
                         ids=["too-short", "too-long", "over-127-bytes", "bidi-override", "control", "number", "list"])
def test_a_bad_pdf_password_is_a_422_naming_the_field_and_changes_nothing(acme, password):
    [primary] = acme.call("GET", "/v1/integrations")[1]["items"]
    for method, path, body in (("POST", "/v1/integrations", {"name": "Locked", "emails": ["a@acme.example"],
                                                             "pdf_password": password}),
                               ("PATCH", f"/v1/integrations/{primary['id']}", {"pdf_password": password})):
        status, answer = acme.call(method, path, body)
        assert status == 422 and [d["path"] for d in answer["error"]["details"]] == ["pdf_password"], answer
        assert str(password) not in str(answer)
    assert acme.call("GET", "/v1/integrations")[1]["items"] == [primary]
