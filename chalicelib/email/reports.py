"""The report email: headline figures against the previous period, and the PDF attached or linked."""

from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.email.compose import compose
from chalicelib.email.message import Attachment, Content
from chalicelib.models.reports import PERIOD_NOUNS, Figure, Report, ReportFigure, filename

DATA_PART = "?part=data"  # on an emailed report link: the CSV zip instead of the PDF


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


def local_time(moment: datetime, timezone: str) -> str:
    """``2026-12-07 08:12 JST``: a time as the tenant reads it (its zone's abbreviation, or its offset)."""
    return f"{moment.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M %Z}"


def mail(tenant_name: str, report: Report, link: str | None = None, link_expires: datetime | None = None,
         test: bool = False, sample: bool = False, with_data: bool = False, size: int | None = None,
         protected: bool = False, data_withheld: bool = False) -> Content:
    """The report email: the company and the period, headline figures, and either the attachments (added by the
    worker: the PDF, and ``with_data`` the CSV zip; ``size`` together) or links; every time in the tenant's zone.
    A ``protected`` PDF's mail says so and keeps its figures out of the body (they are what the password guards);
    ``data_withheld``: the integration takes the data, which is not attached to a protected report."""
    noun = PERIOD_NOUNS[report.frequency]
    subject = f"{report.frequency.capitalize()} security report"  # one subject per series: its mails thread
    what = f"SAMPLE {report.frequency} security report (made-up figures)" if sample else subject.lower()
    headline = f"{f'{tenant_name}: ' if tenant_name else ''}{what}, {report.period_label}"
    figures = [] if protected else [{"label": f.label, "value": f"{f.value:,}", "change": change(f, noun)}
                                    for f in report.figures]
    expires = local_time(link_expires, report.timezone) if link_expires else None
    return compose(
        "report", subject, tenant_name, f"Generated {local_time(report.generated_at, report.timezone)}", test,
        headline=headline, period_label=report.period_label, sample=sample,
        timezone=report.timezone, noun=noun, empty=report.empty and not protected, figures=figures, link=link,
        link_expires=expires,
        size=size_words(size or report.size_bytes), with_data=with_data,
        data_link=f"{link}{DATA_PART}" if link and with_data else None, protected=protected,
        data_withheld=data_withheld)


def sample(tenant_name: str, report: Report, document: bytes, protected: bool = False) -> Content:
    """Test integration's sample of a report email, the made-up PDF attached directly and named as a real one
    with ``SAMPLE`` in front; the body says SAMPLE too; the sender adds the ``[Test message]`` prefix."""
    content = mail(tenant_name, report, test=True, sample=True, protected=protected)
    name = f"SAMPLE-{filename(tenant_name, report.frequency, report.period_key)}"
    return Content(content.subject, content.html, content.text, (Attachment(name, document),))
