"""Pure sample data and readers for both tiers (no moto): security records of a week and a PDF's text."""

import io
from datetime import datetime, timedelta

from pypdf import PdfReader

from chalicelib.models.security import Vulnerability
from chalicelib.reports.periods import period_from_key

WEEK = period_from_key("weekly", "Europe/Berlin", "2026-W48")


def text_of(pdf: bytes) -> tuple[str, int]:
    """A PDF's text and its page count."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def vuln(n: int, title: str, risk: str = "high", **fields: object) -> Vulnerability:
    """The ``n``-th vulnerability of ``WEEK``, ``n`` hours into it."""
    return Vulnerability(id=f"v{n}", at=WEEK.start + timedelta(hours=n), risk=risk, title=title,  # type: ignore[arg-type]
                         host=str(fields.pop("host", "api.acme.io")), **fields)  # type: ignore[arg-type]


def vulnerability(*life: tuple[datetime, str], risk: str = "high", vid: str = "V-1") -> Vulnerability:
    """A vulnerability reported with each (time, status) of ``life`` in turn."""
    (first, status), *later = life
    record = Vulnerability(id=vid, at=first, risk=risk, title=f"{risk} finding {vid}", status=status)  # type: ignore[arg-type]
    for at, status in later:
        record = record.observe(at, status)  # type: ignore[arg-type]
    return record
