"""Protected PDFs: an integration's open password, sealed at rest, and where its encrypted copy of a report lives.

- The password is sealed with KMS (``aws.secrets.seal``) under an encryption context naming the tenant and the
  integration, so the ciphertext opens for that integration alone; the API takes it and never gives it back.
- The stored report stays the canonical, unprotected PDF (its ``sha256`` is of that copy). Each protected
  integration's mail carries its own copy, rendered by fpdf2 from the same content with AES-256
  (``generation.protected_copy``) and stored beside the report, under ``protected/<integration id>/``.
"""

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from chalicelib.aws import secrets
from chalicelib.errors import ValidationFailed
from chalicelib.models.integrations import PDF_PASSWORD_LENGTH, Integration
from chalicelib.models.reports import Report

if TYPE_CHECKING:  # the report worker's; the API imports this module for the password rules
    from chalicelib.reports.content import ReportData

PURPOSE = "report-pdf-password"


def context(tenant_id: str, integration_id: str) -> dict[str, str]:
    return {"purpose": PURPOSE, "tenant_id": tenant_id, "integration_id": integration_id}


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed("the request has invalid fields", [{"path": "pdf_password", "message": message}])


def check(password: str) -> None:
    """A PDF reader can type it back: fpdf2's own preparation (SASLprep, RFC 4013) takes it whole. 422 otherwise,
    never quoting it (fpdf2's message does)."""
    from fpdf.encryption import StandardSecurityHandler  # fpdf2 only when a password is set
    from fpdf.errors import FPDFException

    try:
        prepared = StandardSecurityHandler.prepare_string(password)
    except FPDFException:
        raise _refused("a PDF password cannot hold control, private-use or mixed-direction characters") from None
    if len(prepared) > PDF_PASSWORD_LENGTH[1]:
        raise _refused(f"a PDF password is at most {PDF_PASSWORD_LENGTH[1]} bytes in UTF-8 (readers ignore the rest)")


def seal(tenant_id: str, integration_id: str, password: SecretStr | None) -> str | None:
    """The password as stored on the integration, once :func:`check` passes; ``None`` (no password) removes the
    protection."""
    if password is None:
        return None
    check(password.get_secret_value())
    return secrets.seal(password.get_secret_value(), context(tenant_id, integration_id))


def password_of(integration: Integration) -> str | None:
    """The integration's PDF password, or ``None`` when its PDFs go unprotected."""
    if integration.pdf_password_sealed is None:
        return None
    return secrets.unseal(integration.pdf_password_sealed, context(integration.tenant_id, integration.id))


def copy_key(report: Report, integration_id: str) -> str:
    """``reports/<tenant>/<frequency>/<period>/protected/<integration>/<name>.pdf``: named as the report (its
    attachment takes the last part), under the tenant's folder (purged and expired with it)."""
    folder, _, name = report.object_key.rpartition("/")
    return f"{folder}/protected/{integration_id}/{name}"


def source_key(pdf_key: str) -> str:
    """Where the content a PDF was rendered from is kept, so a protected copy says exactly what the report says."""
    return f"{pdf_key.removesuffix('.pdf')}-source.json"


def source(kept: bytes) -> "ReportData":
    """The content as kept (:func:`source_key`); JSON keeps a time's offset, not its zone, so the time the PDF
    prints with its zone's abbreviation (CET, not UTC+01:00) gets the zone back."""
    from chalicelib.reports.content import ReportData

    data = ReportData.model_validate_json(kept)
    return data.model_copy(update={"generated_at": data.generated_at.astimezone(ZoneInfo(data.timezone))})
