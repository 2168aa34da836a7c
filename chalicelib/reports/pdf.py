"""Render a :class:`ReportData` as a PDF with fpdf2 and the bundled DejaVu Sans font: the cover, the summary,
the headline cards and the attack sections here; the record sections in :mod:`~chalicelib.reports.pdf_records`,
the page and table primitives in :mod:`~chalicelib.reports.pdf_layout`.
"""

import secrets
from collections.abc import Sequence

from fpdf.enums import EncryptionMethod

from chalicelib.models.reports import Figure
from chalicelib.reports.content import Ranked, ReportData, Sentence
from chalicelib.reports.pdf_assets import assets
from chalicelib.reports.pdf_layout import (
    ACCENT,
    ACCENT_LIGHT,
    BAR,
    BETTER,
    BLOCKED,
    CARD,
    DATA_BAR,
    LINE,
    MARGIN,
    MONITORED,
    MUTED,
    PARTIAL,
    PARTIAL_INK,
    RISK_COLOURS,
    RISK_NAMES,
    ROW,
    RULE,
    TONES,
    WORSE,
    Column,
    Document,
    clean,
    date_words,
    header_row,
    number,
    period_label,
    print_row,
    title,
)
from chalicelib.reports.pdf_records import incidents, vulnerabilities
from chalicelib.reports.pdf_trends import trends
from chalicelib.reports.summary import summarise


def _change(figure: Figure, noun: str, partial: bool = False) -> tuple[str, tuple[int, int, int]]:
    """The change line of a card; muted (no arrow, no percentage) when the previous period had none or this
    one has not ended (a part set against a whole)."""
    if partial:
        return f"whole previous {noun}: {number(figure.previous)}", MUTED
    if figure.change == 0:
        return f"no change vs previous {noun}", MUTED
    if figure.previous == 0:
        return f"none in previous {noun}", MUTED
    colour = WORSE if figure.change > 0 else BETTER
    arrow = "▲" if figure.change > 0 else "▼"
    return f"{arrow} {figure.percent_words} vs previous {noun} ({number(figure.previous)})", colour


def _cover(pdf: Document, report: ReportData) -> None:
    pdf.use(22, bold=True, colour=(255, 255, 255))
    names = pdf.wrap(clean(report.tenant_name), 180)
    grow = 9.0 * (len(names) - 1)
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, 210, 46 + grow, style="F")
    pdf.use(8, bold=True, colour=ACCENT_LIGHT)
    pdf.text(MARGIN, 14, f"{pdf.product.upper()} · {title(report).upper()}")
    pdf.use(22, bold=True, colour=(255, 255, 255))
    for n, line in enumerate(names):
        pdf.text(MARGIN, 26 + 9 * n, line)
    pdf.use(11, colour=(255, 255, 255))
    pdf.text(MARGIN, 35 + grow, period_label(report))
    pdf.use(8, colour=ACCENT_LIGHT)
    generated = report.generated_at
    pdf.text(MARGIN, 41 + grow,
             f"Times in {report.timezone} · generated {date_words(generated.date())} {generated:%H:%M %Z}")
    pdf.set_y(52 + grow)
    if report.partial:
        _partial(pdf, report)


def _partial(pdf: Document, report: ReportData) -> None:
    """The banner of a preview of a period that has not ended."""
    generated = report.generated_at
    lines = [f"Partial period: this {report.period_noun} ends on {date_words(report.last_day)}.",
             f"This preview counts what was recorded until {date_words(generated.date())} {generated:%H:%M %Z}; "
             "the figures will still change."]
    top = pdf.get_y() - 2
    pdf.set_fill_color(*PARTIAL)
    pdf.rect(MARGIN, top, 180, 12, style="F")
    pdf.set_fill_color(*MONITORED)
    pdf.rect(MARGIN, top, 1.2, 12, style="F")
    pdf.use(9, bold=True, colour=PARTIAL_INK)
    pdf.text(MARGIN + 4, top + 5, lines[0])
    pdf.use(8, colour=PARTIAL_INK)
    pdf.text(MARGIN + 4, top + 9.5, lines[1])
    pdf.set_y(top + 16)


def _summary(pdf: Document, report: ReportData) -> None:
    """The summary in sentences, a coloured mark before each by its tone."""
    summary = summarise(report)
    pdf.section("Summary")
    width, indent, line = 180 - 32, MARGIN + 32, 4.2
    for label, sentences in (("What changed", summary.changed), ("Worst", summary.worst),
                             ("Needs action", summary.overdue)):
        if not sentences:
            continue
        pdf.room_for(line * 2)
        top = pdf.get_y()
        pdf.use(7, bold=True, colour=MUTED)
        pdf.text(MARGIN, top + 3.2, label.upper())
        for sentence in sentences:
            lines = _sentence_lines(pdf, sentence, width - 4)
            pdf.room_for(line * len(lines))
            y = pdf.get_y()
            pdf.set_fill_color(*TONES[sentence.tone])
            pdf.rect(indent, y + 1.3, 1.8, 1.8, style="F")
            for n, text in enumerate(lines):
                pdf.text(indent + 4, y + 3.2 + n * line, text)
            pdf.set_y(y + line * len(lines) + 0.8)
        pdf.set_y(pdf.get_y() + 2)


def _sentence_lines(pdf: Document, sentence: Sentence, width: float) -> list[str]:
    pdf.use(8.5, bold=sentence.tone == "alert")
    return pdf.wrap(clean(sentence.text), width)


def _cards(pdf: Document, report: ReportData) -> None:
    noun = report.period_noun
    overdue = report.vulnerability_figures.overdue
    cards: list[tuple[str, Figure, tuple[int, int, int] | None, str]] = [
        ("Attacks", report.attacks, None, ""), ("Hits", report.hits, None, ""),
        ("Incidents", report.incidents, None, ""),
        *((f"Open {RISK_NAMES[risk].lower()}-risk vulnerabilities", figure, RISK_COLOURS[risk],
           f"{overdue[risk]:,} overdue" if overdue.get(risk) else "")
          for risk, figure in report.open_vulnerabilities.items()),
    ]
    width, height, gap = (180 - 2 * 4) / 3, 21.0, 4.0
    top = pdf.get_y()
    for n, (label, figure, stripe, note) in enumerate(cards):
        x, y = MARGIN + (n % 3) * (width + gap), top + (n // 3) * (height + gap)
        pdf.set_fill_color(*CARD)
        pdf.rect(x, y, width, height, style="F")
        if stripe:
            pdf.set_fill_color(*stripe)
            pdf.rect(x, y, 1.2, height, style="F")
        pdf.use(7.5, colour=MUTED)
        pdf.text(x + 4, y + 5.5, label)
        pdf.use(17, bold=True)
        pdf.text(x + 4, y + 13.5, number(figure.value))
        if note:  # beside the number: how many of the open ones are past their SLA
            left = x + 4 + pdf.width_of(number(figure.value)) + 3
            pdf.use(8, bold=True, colour=WORSE)
            pdf.text(left, y + 13.5, note)
        text, colour = _change(figure, noun, report.partial)
        pdf.use(7, colour=colour)
        pdf.text(x + 4, y + 18.3, pdf.fit(text, width - 6))
    pdf.set_y(top + 2 * height + gap)


def _nice_step(maximum: int, ticks: int = 4) -> int:
    raw = max(maximum / ticks, 1)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= raw)


def _chart(pdf: Document, report: ReportData) -> None:
    unit = "hour" if report.timeline_unit == "hour" else "day"
    pdf.section(f"Attacks per {unit}", f"{report.timezone} · local {unit}s")
    buckets = report.timeline
    left, top, width, height = MARGIN + 12, pdf.get_y() + 1, 180 - 12, 46.0
    step = _nice_step(max((b.attacks for b in buckets), default=0))
    top_value = step * max(1, -(-max((b.attacks for b in buckets), default=0) // step))
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.use(6.5, colour=MUTED)
    for tick in range(0, int(top_value) + 1, int(step)):
        y = top + height - height * tick / top_value
        pdf.line(left, y, left + width, y)
        label = number(tick)
        pdf.text(left - 2 - pdf.width_of(label), y + 1, label)
    slot = width / max(len(buckets), 1)
    pdf.set_fill_color(*BAR)
    for n, bucket in enumerate(buckets):
        bar = height * bucket.attacks / top_value
        x = left + n * slot + slot * 0.18
        if bar > 0:
            pdf.rect(x, top + height - bar, slot * 0.64, bar, style="F")
        pdf.text(left + n * slot + (slot - pdf.width_of(bucket.label)) / 2, top + height + 3.6, bucket.label)
    pdf.set_draw_color(*MUTED)
    pdf.line(left, top + height, left + width, top + height)
    first, last = report.first_day, report.last_day
    caption = f"{first:%B %Y}" if unit == "day" and first.month == last.month else (
        date_words(first) if unit == "hour" else f"{date_words(first)} – {date_words(last)}")
    pdf.text(left, top + height + 8, caption)
    pdf.set_y(top + height + 10)


def _ranked(pdf: Document, x: float, y: float, width: float, heading: str, rows: Sequence[Ranked],
            empty: str = "none") -> float:
    """A titled table of ranked names with a bar of their attacks; returns where it ends."""
    if heading:
        pdf.use(9.5, bold=True)
        pdf.text(x, y + 3.5, heading)
        y += 6
    columns = [Column("Name", width - 40), Column("Attacks", 20, "R"), Column("Hits", 20, "R")]
    header_row(pdf, x, y, columns)
    y += ROW + 0.5
    peak = max((row.attacks for row in rows), default=1) or 1
    if not rows:
        pdf.use(7.5, colour=MUTED)
        lines = pdf.wrap(empty, width - 2)
        for n, line in enumerate(lines):
            pdf.text(x + 1, y + 3.5 + n * LINE, line)
        return y + ROW + LINE * (len(lines) - 1)
    for row in rows:
        pdf.set_fill_color(*DATA_BAR)
        pdf.rect(x, y + 0.4, (width - 40) * row.attacks / peak, ROW - 0.8, style="F")
        name = f"{clean(row.name)} · {row.category.replace(':2021', '')}" if row.category else clean(row.name)
        y += print_row(pdf, x, y, columns, [name, number(row.attacks), number(row.hits)]) + 0.6
    return y


def _ranked_room(rows: Sequence[Ranked]) -> float:
    """About the height of a ranked table (a line per row; long names take more, rarely)."""
    return 6 + ROW + max(len(rows), 1) * (ROW + 0.6) + 4


def _tops(pdf: Document, report: ReportData) -> None:
    pdf.section("Top attack types and attacked hosts",
                keep=max(_ranked_room(report.top_attack_types), _ranked_room(report.top_hosts)))
    _pair(pdf, ("Attack types", report.top_attack_types, "none"), ("Attacked hosts", report.top_hosts, "none"))


def _pair(pdf: Document, *tables: tuple[str, Sequence[Ranked], str]) -> None:
    """Two ranked tables side by side."""
    pdf.room_for(max(_ranked_room(rows) for _, rows, _ in tables))
    y = pdf.get_y()
    half = (180 - 8) / 2
    end = max(_ranked(pdf, MARGIN + n * (half + 8), y, half, heading, rows, empty)
              for n, (heading, rows, empty) in enumerate(tables))
    pdf.set_y(end + 2)


def _owasp(pdf: Document, report: ReportData) -> None:
    """Attacks by the OWASP category of their type: the Top 10 (2021), and the API Top 10 (2023) where a
    category of it fits (injections have none there: they count under Other)."""
    pdf.section("OWASP categories", "attacks by the category of their type",
                keep=max(_ranked_room(report.owasp), _ranked_room(report.owasp_api)))
    _pair(pdf, ("OWASP Top 10 (2021)", report.owasp, "none"),
          ("OWASP API Security Top 10 (2023)", report.owasp_api, "none"))


def _endpoints(pdf: Document, report: ReportData) -> None:
    pdf.section("Attacked endpoints", "host and path", keep=_ranked_room(report.top_endpoints))
    pdf.set_y(_ranked(pdf, MARGIN, pdf.get_y(), 180, "", report.top_endpoints,
                      "No endpoints were recorded: the attacks carried no path.") + 2)


def _applications(pdf: Document, report: ReportData) -> None:
    """Attacks per application, when the events named one (else no section)."""
    if report.top_applications:
        pdf.section("Attacked applications", "as the events named them", keep=_ranked_room(report.top_applications))
        pdf.set_y(_ranked(pdf, MARGIN, pdf.get_y(), 180, "", report.top_applications) + 2)


def _sources(pdf: Document, report: ReportData) -> None:
    pdf.section("Where attacks came from and what was blocked", keep=14 + _ranked_room(report.top_ips))
    _blocked(pdf, report)
    _pair(pdf, ("Source IPs", report.top_ips, "No source IPs were recorded."),
          ("Countries", report.top_countries, "Not known: the attacks carried no country."))


def _blocked(pdf: Document, report: ReportData) -> None:
    """One bar: attacks blocked and attacks only monitored."""
    attacks, blocked = report.attacks.value, report.blocked.value
    top = pdf.get_y()
    share = blocked / attacks if attacks else 0
    pdf.set_fill_color(*MONITORED)
    pdf.rect(MARGIN, top, 180, 4, style="F")
    if share:
        pdf.set_fill_color(*BLOCKED)
        pdf.rect(MARGIN, top, 180 * share, 4, style="F")
    pdf.use(8, bold=True, colour=BLOCKED)
    label = f"Blocked {number(blocked)} ({share:.0%})"
    pdf.text(MARGIN, top + 8, label)
    pdf.use(8, bold=True, colour=MONITORED)
    label = f"Monitored only {number(attacks - blocked)} ({1 - share:.0%})" if attacks else "No attacks"
    pdf.text(MARGIN + 180 - pdf.width_of(label), top + 8, label)
    pdf.set_y(top + 12)


def _empty(pdf: Document, report: ReportData) -> None:
    pdf.set_fill_color(*CARD)
    top = pdf.get_y() + 4
    pdf.rect(MARGIN, top, 180, 30, style="F")
    pdf.use(14, bold=True)
    pdf.text(MARGIN + 8, top + 12, "No events in this period")
    pdf.use(9, colour=MUTED)
    pdf.text(MARGIN + 8, top + 20,
             f"No attacks, incidents or vulnerabilities were recorded for this {report.period_noun}"
             + (" so far." if report.partial else "."))
    before = report.attacks.previous, report.incidents.previous
    if any(before):
        pdf.text(MARGIN + 8, top + 25, f"Previous {report.period_noun}: {number(before[0])} attacks, "
                                       f"{number(before[1])} incidents.")


def render(report: ReportData, product: str = "Email Report", password: str | None = None) -> bytes:
    """The report as PDF bytes; with ``password``, encrypted with AES-256 (metadata too) and opened only with it
    (the owner password, which lifts the encryption, is random and kept nowhere)."""
    pdf = Document(report, clean(product))
    if password is not None:
        pdf.set_encryption(owner_password=secrets.token_urlsafe(32), user_password=password,
                           encryption_method=EncryptionMethod.AES_256, encrypt_metadata=True)
    pdf.set_title(f"{clean(report.tenant_name)} – {title(report)} – {report.period_key}")
    pdf.set_author(pdf.product)
    pdf.set_creation_date(report.generated_at)
    pdf.add_page()
    _cover(pdf, report)
    if report.frequency == "monthly":  # the executive page: a month is read against the year
        trends(pdf, report)
    if report.is_empty:
        _empty(pdf, report)
    else:
        _summary(pdf, report)
        _cards(pdf, report)
        if report.frequency != "monthly":
            trends(pdf, report)
        _chart(pdf, report)
        _tops(pdf, report)
        _owasp(pdf, report)
        _endpoints(pdf, report)
        _applications(pdf, report)
        _sources(pdf, report)
        assets(pdf, report)
        vulnerabilities(pdf, report)
        incidents(pdf, report)
    return bytes(pdf.output())
