"""Protected PDFs, the pure parts: fpdf2's AES-256 encryption of a report, which passwords a reader can type back,
what the API shows of a password (that one is set), the protected mail, and the console form's write-only field."""

import io
from datetime import UTC, date, datetime

import pytest
from pydantic import SecretStr, ValidationError
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from chalicelib.console.forms import IntegrationForm
from chalicelib.email.reports import mail
from chalicelib.errors import ValidationFailed
from chalicelib.models.integrations import Integration, IntegrationCreate, IntegrationUpdate
from chalicelib.models.reports import Report, ReportFigure
from chalicelib.reports import protection
from chalicelib.reports.demo import demo_report
from chalicelib.reports.pdf import render
from tests.support.samples import text_of

PASSWORD = "Ωmega-Tr0ub4dor&3 horse"
MOMENT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_password_encrypts_the_same_report_from_its_kept_content_with_aes_256_metadata_included():
    report = demo_report("weekly", "Europe/Berlin", "2026-W48", vulnerabilities=5, incidents=2)
    kept = protection.source(report.model_dump_json().encode())  # as the report worker reads it back
    plain, locked = render(report), render(kept, password=PASSWORD)

    reader = PdfReader(io.BytesIO(locked))
    assert reader.is_encrypted and reader.trailer["/Encrypt"]["/R"] == 6  # AES-256, PDF 2.0's revision
    assert b"Acme Corp" not in locked  # the title metadata is encrypted as well as the pages
    with pytest.raises(FileNotDecryptedError):
        reader.pages[0].extract_text()
    assert not PdfReader(io.BytesIO(locked)).decrypt("Omega-Tr0ub4dor&3 horse")
    assert reader.decrypt(PASSWORD)
    assert "\n".join(page.extract_text() for page in reader.pages) == text_of(plain)[0]
    assert PASSWORD.encode() not in locked and not PdfReader(io.BytesIO(plain)).is_encrypted


@pytest.mark.parametrize("password", [PASSWORD, "12345678", "x" * 127, "パスワードは秘密です", "ab cd ef gh"])
def test_a_password_a_reader_can_type_back_is_taken(password):
    protection.check(password)
    assert IntegrationCreate.model_validate({"name": "n", "emails": "a@b.example", "pdf_password": password})


@pytest.mark.parametrize(("password", "says"), [
    ("é" * 64 + "abc", "127 bytes"), ("abc\u202edefghijk", "cannot hold"), ("tab\there-ok", "cannot hold"),
    ("private\ue000use!", "cannot hold"), ("zero\u200bwidth-ok", None)])
def test_a_password_fpdf2_would_alter_or_refuse_is_a_422_that_never_quotes_it(password, says):
    if says is None:  # SASLprep maps a zero-width space to nothing: what the reader types still opens it
        protection.check(password)
        return
    with pytest.raises(ValidationFailed) as refused:
        protection.check(password)
    assert refused.value.details == [{"path": "pdf_password", "message": refused.value.details[0]["message"]}]
    assert says in refused.value.details[0]["message"] and password not in str(refused.value.body())


@pytest.mark.parametrize("password", ["short", "x" * 128, 12345678])
def test_the_model_takes_8_to_127_characters(password):
    with pytest.raises(ValidationError):
        IntegrationCreate.model_validate({"name": "n", "emails": "a@b.example", "pdf_password": password})
    with pytest.raises(ValidationError):
        IntegrationUpdate.model_validate({"pdf_password": password})


def test_null_is_no_password_on_create_and_removes_it_on_update():
    assert IntegrationCreate.model_validate({"name": "n", "emails": "a@b.example", "pdf_password": None}
                                            ).pdf_password is None
    assert IntegrationUpdate.model_validate({"pdf_password": None}).model_fields_set == {"pdf_password"}


def test_the_api_shows_that_a_password_is_set_never_what_is_stored():
    integration = Integration(id="i", tenant_id="t", name="n", emails=["a@b.example"], events=["report_weekly"],
                              created_at=MOMENT, updated_at=MOMENT, pdf_password_sealed="c2VhbGVk")
    shown = integration.model_dump(mode="json")
    assert shown["pdf_password_set"] is True and "c2VhbGVk" not in str(shown)
    assert integration.model_copy(update={"pdf_password_sealed": None}).model_dump()["pdf_password_set"] is False
    assert "**********" in repr(IntegrationCreate.model_validate({"name": "n", "emails": "a@b.example",
                                                                 "pdf_password": PASSWORD}))


def test_a_protected_copy_lives_beside_the_report_under_the_integration():
    report, folder = _report(), "reports/t/monthly/2026-11"
    assert protection.copy_key(report, "int-1") == f"{folder}/protected/int-1/Acme-monthly-report-2026-11.pdf"
    assert protection.source_key(report.object_key) == f"{folder}/Acme-monthly-report-2026-11-source.json"
    assert protection.context("t", "int-1") == {"purpose": "report-pdf-password", "tenant_id": "t",
                                                "integration_id": "int-1"}


def _report() -> Report:
    return Report(id="r", tenant_id="t", frequency="monthly", period_key="2026-11", period_label="November 2026",
                  timezone="Europe/Berlin", first_day=date(2026, 11, 1), last_day=date(2026, 11, 30),
                  period_start=datetime(2026, 10, 31, 23, tzinfo=UTC),
                  period_end=datetime(2026, 11, 30, 23, tzinfo=UTC),
                  generated_at=MOMENT, size_bytes=200_000, empty=False,
                  figures=[ReportFigure(name="attacks", label="Attacks", value=1234, previous=1000)],
                  object_key="reports/t/monthly/2026-11/Acme-monthly-report-2026-11.pdf")


def test_the_protected_mail_says_so_and_keeps_the_figures_in_the_pdf():
    plain = mail("Acme", _report(), with_data=True)
    locked = mail("Acme", _report(), protected=True, data_withheld=True)

    assert "1,234" in plain.text and "password-protected" not in plain.text
    for body in (locked.text, locked.html):
        assert "password-protected" in body and "never sent by email" in body
        assert "1,234" not in body and "not attached to a protected report" in body
    assert "not attached" not in mail("Acme", _report(), protected=True).text


def _form(**typed: list[str]) -> IntegrationForm:
    return IntegrationForm.parse({"name": ["Board"], "emails": ["a@b.example"], "events": ["report_weekly"], **typed})


def test_the_console_password_field_keeps_when_empty_sets_when_typed_clears_when_removed():
    kept = _form()
    assert "pdf_password" not in kept.changes(kept.validated())
    typed = _form(pdf_password=[PASSWORD])
    changed = typed.changes(typed.validated())["pdf_password"]
    assert isinstance(changed, SecretStr) and changed.get_secret_value() == PASSWORD
    removed = _form(options=["remove_password"])
    assert removed.changes(removed.validated())["pdf_password"] is None
    both = _form(pdf_password=[PASSWORD], options=["remove_password"])
    assert both.validated() is None and "not both" in both.errors["pdf_password"]
    short = _form(pdf_password=["short"])
    assert short.validated() is None and "8 to 127 characters" in short.errors["pdf_password"]
    assert PASSWORD not in repr(typed)
