"""How a stored report is reached by URL.

- :func:`download`: a short-lived presigned S3 link, made when someone asks for it (API, console).
- :func:`email_link`: the link in the email of a report too large to attach. It cannot be a presigned URL: one
  signed with the Lambda role's temporary credentials stops working when they expire, hours later, whatever
  expiry it names. So the email links to the console's public ``/report-links/<tenant id>.<secret>`` page,
  which checks the link (stored as the SHA-256 of its secret, with its own expiry) and redirects to a fresh
  :func:`download`. Like an attachment, whoever holds the email can fetch that one report, until the link expires.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from chalicelib import clock
from chalicelib.aws import blobs, reports_repo, tenants_repo
from chalicelib.errors import Gone, NotFound
from chalicelib.models.reports import Report, ReportDownload, filename
from chalicelib.models.tenants import Tenant
from chalicelib.settings import get_settings

EMAIL_LINK_PATH = "/report-links/"  # under the console's URL
_MAX_LINK = 200


def download(tenant: Tenant, report: Report, seconds: int | None = None,
             file: tuple[str, str] | None = None) -> ReportDownload:
    """``report`` with a presigned link to its PDF (or to ``file``: another of its objects, as key and download
    name), valid ``seconds`` (``REPORT_DOWNLOAD_SECONDS``)."""
    seconds = seconds or get_settings().report_download_seconds
    key, name = file or (report.object_key, filename(tenant.name, report.frequency, report.period_key))
    url = blobs.presigned_url(key, seconds, name)
    return ReportDownload(**report.model_dump(), tenant_id=tenant.id, object_key=report.object_key,
                          download_url=url, download_expires_at=clock.shift(clock.now(), timedelta(seconds=seconds)))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def email_link(report: Report, copy_key: str | None = None) -> tuple[str, datetime]:
    """A new link to ``report`` for its email, valid ``REPORT_LINK_SECONDS``, and when it expires; ``copy_key``:
    the link serves that copy of it (an integration's password-protected PDF), and not its data."""
    settings = get_settings()
    secret = secrets.token_urlsafe(32)
    expires = clock.shift(clock.now(), timedelta(seconds=settings.report_link_seconds))
    reports_repo.put_link(report.tenant_id, _digest(secret), report.id, expires, copy_key)
    return f"{settings.console_url.rstrip('/')}{EMAIL_LINK_PATH}{report.tenant_id}.{secret}", expires


def follow(link: str, data: bool = False) -> ReportDownload:
    """The report behind an emailed link, with a fresh download URL to its PDF, or ``data`` its CSV zip.

    :class:`NotFound` for a link that was never made (or whose report is gone), :class:`Gone` once expired."""
    tenant_id, _, secret = link.rpartition(".")
    found = reports_repo.get_link(tenant_id, _digest(secret)) if tenant_id and secret and len(link) <= _MAX_LINK \
        else None
    if found is None:
        raise NotFound("This download link is not valid. Check that it was copied whole from the email.")
    report_id, expires, copy_key = found
    if clock.now() >= expires:
        raise Gone(f"This download link expired on {expires:%Y-%m-%d %H:%M} UTC. "
                   "Sign in to the console to download the report from its Reports page.")
    tenant, report = tenants_repo.get(tenant_id), reports_repo.get(tenant_id, report_id)
    if tenant is None or report is None:
        raise NotFound("The report of this link no longer exists.")
    if copy_key is not None:  # a protected copy: its data, which no password covers, is for signed-in readers only
        if data:
            raise NotFound("This report is password-protected: sign in to the console to download its data.")
        return download(tenant, report, file=(copy_key, filename(tenant.name, report.frequency, report.period_key)))
    if data:
        from chalicelib.reports.data_files import zip_key, zip_name  # which imports this module

        return download(tenant, report, file=(zip_key(report.object_key),
                                              zip_name(tenant.name, report.frequency, report.period_key)))
    return download(tenant, report)
