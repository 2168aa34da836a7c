"""The report email: headline figures against the previous period, and the PDF attached or linked."""

from datetime import UTC, datetime

from chalicelib.email.compose import compose
from chalicelib.email.message import Attachment, Content
from chalicelib.models.reports import PERIOD_NOUNS, Figure, Report, ReportFigure


def size_words(size: int) -> str:
    """``820 KB``, ``12.4 MB``."""
    return f"{size / 1024:,.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:,.1f} MB"


def change(figure: ReportFigure, noun: str) -> str:
    """``+12, 5% vs previous week``; without a percentage when the previous period had none."""
    delta = figure.value - figure.previous
    if delta == 0:
        return f"no change vs previous {noun}"
    percent = f", {'+' if delta > 0 else '-'}{Figure(value=figure.value, previous=figure.previous).percent_words}" \
        if figure.previous else ""
    return f"{delta:+,}{percent} vs previous {noun}"


def mail(tenant_name: str, report: Report, link: str | None = None, link_expires: datetime | None = None,
           test: bool = False) -> Content:
    """The report email: headline figures, and either the attachment (added by the worker) or a link."""
    noun = PERIOD_NOUNS[report.frequency]
    subject = f"{report.frequency.capitalize()} security report"  # one subject per series: its mails thread
    figures = [{"label": f.label, "value": f"{f.value:,}", "change": change(f, noun)} for f in report.figures]
    expires = link_expires.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if link_expires else None
    return compose(
        "report", subject, tenant_name, f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC", test,
        headline=subject, period_label=report.period_label,
        timezone=report.timezone, noun=noun, empty=report.empty, figures=figures, link=link, link_expires=expires,
        size=size_words(report.size_bytes))


def sample(tenant_name: str, report: Report, document: bytes) -> Content:
    """Test integration's sample of a report email, the made-up PDF attached directly; the sender adds the
    ``[Test message]`` prefix."""
    content = mail(tenant_name, report, test=True)
    return Content(content.subject, content.html, content.text,
                   (Attachment(f"sample-{report.frequency}-report-{report.period_key}.pdf", document),))
