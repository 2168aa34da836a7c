"""Render a :class:`ReportData` as a PDF with fpdf2 and the bundled DejaVu Sans font.

Chinese, Japanese and Korean text (which DejaVu has no glyphs for) is printed in the bundled WenQuanYi Micro
Hei, loaded only by a report that has some: parsing it costs ≈ 0.2 s.

Tables are drawn row by row with ``text()`` and our own width measurement from the font's metrics:
fpdf2's ``table()`` and ``cell()`` re-measure and line-break every cell and cost 2–10× more,
which matters for months with thousands of vulnerabilities. Texts wrap at spaces (or inside a word longer
than its cell) rather than being cut.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate
from pathlib import Path

from fpdf import FPDF

from chalicelib.models.security import OPEN, STATUS_WORDS
from chalicelib.reports.content import Figure, Ranked, ReportData, Sentence, VulnerabilityRow, summarise

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
CJK = "WenQuanYi"  # regular only: bold CJK text prints regular
# What the CJK font is subset to (fonts/README.md); DejaVu (as subset) has none of it.
_CJK_CHARS = "\u1100-\u11ff\u2e80-\u2fff\u3000-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff" \
             "\ufe30-\ufe4f\uff00-\uffef"
_CJK_RUN = re.compile(f"([{_CJK_CHARS}]+)")

INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (222, 226, 230)
ZEBRA = (247, 248, 250)
CARD = (243, 245, 248)
ACCENT = (30, 64, 120)
ACCENT_LIGHT = (196, 212, 235)
DATA_BAR = (226, 233, 245)
BAR = (64, 105, 170)
WORSE = (180, 52, 52)
BETTER = (36, 128, 78)
RISK_COLOURS = {"high": (192, 57, 43), "medium": (214, 137, 16), "low": (52, 120, 180)}
RISK_NAMES = {"high": "High", "medium": "Medium", "low": "Low"}
PARTIAL = (253, 243, 214)
PARTIAL_INK = (122, 82, 0)
BLOCKED = (36, 128, 78)
MONITORED = (214, 137, 16)
TONES = {"neutral": MUTED, "better": BETTER, "worse": WORSE, "alert": WORSE}

MARGIN = 15.0
PAGE_BOTTOM = 297.0 - 16.0
ROW = 5.0
LINE = 3.6
MAX_LINES = 50  # a cell of the longest text we accept (2,000 characters) still fits on a page
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\s]+")


def clean(text: str) -> str:
    """One printable line: CR/LF, tabs and other control characters become single spaces."""
    return _UNPRINTABLE.sub(" ", text).strip()


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str = "L"


def _texts(report: ReportData, product: str) -> Iterator[str]:
    """Every text of the report that is not ours (names, titles, hosts, ...)."""
    yield report.tenant_name
    yield product
    yield from (ranked.name for ranked in (*report.top_attack_types, *report.top_hosts, *report.top_endpoints,
                                           *report.top_ips, *report.top_countries))
    for row in (*report.vulnerabilities, *report.incident_rows):
        yield from (text for text in row[2:] if isinstance(text, str))  # after the time and the risk


class _Document(FPDF):
    def __init__(self, report: ReportData, product: str) -> None:
        super().__init__(format="A4", unit="mm")
        self.report = report
        self.product = product
        self.has_cjk = any(_CJK_RUN.search(text) for text in _texts(report, product))  # else no check per text
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=297.0 - PAGE_BOTTOM)
        self.alias_nb_pages()
        self._metrics: dict[tuple[str, str, float], tuple[dict[int, float], float]] = {}
        self._fitted: dict[tuple[str, float, str, float], str] = {}
        self._wrapped: dict[tuple[str, float, str, float], list[str]] = {}
        self.on_new_page: Callable[[], None] | None = None

    # -- fonts and measuring ---------------------------------------------------------------------

    def use(self, size: float, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*colour)

    def ink(self, colour: tuple[int, int, int]) -> None:
        """Text colour for a run of ``text()`` calls. Setting the fill colour too spares fpdf2 wrapping
        every single text in its own colour change (a third of the time of a large table)."""
        self.set_text_color(*colour)
        self.set_fill_color(*colour)

    def width_of(self, text: str) -> float:
        return sum(self._char_widths(text))

    def _widths(self, family: str, style: str) -> tuple[dict[int, float], float]:
        """A font's character widths, and the factor that turns them into mm at the current size."""
        key = (family, style, self.font_size_pt)
        if key not in self._metrics:
            font = self.fonts[family.lower() + style]
            self._metrics[key] = (font.cw, self.font_size_pt * 0.001 / self.k)
        return self._metrics[key]

    def _char_widths(self, text: str) -> list[float]:
        widths, scale = self._widths(FAMILY, self.font_style)
        if not (self.has_cjk and _CJK_RUN.search(text)):
            return [widths[ord(char)] * scale for char in text]
        cjk, cjk_scale = self._widths(self._cjk(), "")
        return [cjk[ord(char)] * cjk_scale if _CJK_RUN.match(char) else widths[ord(char)] * scale for char in text]

    def _cjk(self) -> str:
        if CJK.lower() not in self.fonts:
            self.add_font(CJK, "", FONTS / "WenQuanYiMicroHei-CJK.ttf")
        return CJK

    def text(self, x: float, y: float, text: str = "") -> None:
        """fpdf2's ``text()``, printing runs of CJK characters in the CJK font."""
        if not (self.has_cjk and _CJK_RUN.search(text)):
            super().text(x, y, text)
            return
        style, size = self.font_style, self.font_size_pt
        for index, run in enumerate(_CJK_RUN.split(text)):  # odd indexes are the CJK runs
            if run:
                self.set_font(self._cjk() if index % 2 else FAMILY, "" if index % 2 else style, size)
                super().text(x, y, run)
                x += self.width_of(run)
        self.set_font(FAMILY, style, size)

    def fit(self, text: str, width: float) -> str:
        """``text`` cut with an ellipsis to fit ``width``."""
        key = (self.font_style, self.font_size_pt, text, width)
        if key not in self._fitted:
            widths = self._char_widths(text)
            if sum(widths) <= width:
                self._fitted[key] = text
            else:
                room = width - self.width_of("…")
                cut = sum(1 for total in accumulate(widths) if total <= room)
                self._fitted[key] = text[:cut].rstrip() + "…"
        return self._fitted[key]

    def wrap(self, text: str, width: float) -> list[str]:
        """``text`` in as many lines of ``width`` as it needs (at most ``MAX_LINES``), broken at spaces."""
        key = (self.font_style, self.font_size_pt, text, width)
        if key not in self._wrapped:
            self._wrapped[key] = self._lines(text, width)
        return self._wrapped[key]

    def _lines(self, text: str, width: float) -> list[str]:
        widths = self._char_widths(text)
        if sum(widths) <= width:
            return [text]
        lines: list[str] = []
        start, end = 0, len(text)
        while start < end and len(lines) < MAX_LINES:
            room, stop = width, start
            while stop < end and widths[stop] <= room:
                room -= widths[stop]
                stop += 1
            if stop < end:  # break at the last space that fits, else inside the word (at least one character)
                space = text.rfind(" ", start, stop + 1)
                stop = space if space > start else max(stop, start + 1)
            lines.append(text[start:stop].rstrip())
            start = stop
            while start < end and text[start] == " ":
                start += 1
        if start < end:
            lines[-1] = self.fit(f"{lines[-1]} {text[start:]}", width)
        return lines

    # -- page furniture --------------------------------------------------------------------------

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.use(7.5, colour=MUTED)
        lines = self.wrap(f"{clean(self.report.tenant_name)} · {title(self.report)}", 140)
        for n, line in enumerate(lines):  # a long company name takes a line above
            self.text(MARGIN, 10 - 3 * (len(lines) - 1 - n), line)
        self.text(210 - MARGIN - self.width_of(period_label(self.report)), 10, period_label(self.report))
        self.set_draw_color(*RULE)
        self.line(MARGIN, 12, 210 - MARGIN, 12)
        self.set_y(17)
        if self.on_new_page:
            self.on_new_page()

    def footer(self) -> None:
        self.use(7.5, colour=MUTED)
        self.text(MARGIN, 289, self.product)
        # cell() rather than text(): fpdf2 substitutes the total page count only in cells.
        self.set_xy(MARGIN + 90, 286.5)
        self.cell(90, 3.5, f"Page {self.page_no()} of {self.str_alias_nb_pages}", align="R")

    def room_for(self, height: float) -> None:
        if self.get_y() + height > PAGE_BOTTOM:
            self.add_page()

    def section(self, heading: str, note: str = "", keep: float = 10) -> None:
        """A section heading, moved to the next page with ``keep`` mm of what follows it."""
        self.room_for(12 + keep)
        self.ln(4)
        self.use(12, bold=True)
        self.text(MARGIN, self.get_y() + 4.5, heading)
        if note:
            self.use(8, colour=MUTED)
            self.text(MARGIN + self._heading_width(heading) + 3, self.get_y() + 4.5, note)
        self.set_y(self.get_y() + 8)

    def _heading_width(self, heading: str) -> float:
        self.use(12, bold=True)
        width = self.width_of(heading)
        self.use(8, colour=MUTED)
        return width


def title(report: ReportData) -> str:
    return f"{report.frequency.capitalize()} security report"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def period_label(report: ReportData) -> str:
    first, last = report.first_day, report.last_day
    if report.frequency == "daily":
        return f"{first:%A}, {_day(first)}"
    if report.frequency == "monthly":
        return f"{first:%B %Y}"
    start = str(first.day) if first.month == last.month else f"{first.day} {first:%B}" + (
        f" {first.year}" if first.year != last.year else "")
    return f"Week {report.period_key.split('-W')[1]}: {start} – {_day(last)}"


def _number(value: int) -> str:
    return f"{value:,}"


def _change(figure: Figure, noun: str, partial: bool = False) -> tuple[str, tuple[int, int, int]]:
    """The change line of a card; muted (no arrow, no percentage) when the previous period had none or this
    one has not ended (a part set against a whole)."""
    if partial:
        return f"whole previous {noun}: {_number(figure.previous)}", MUTED
    if figure.change == 0:
        return f"no change vs previous {noun}", MUTED
    if figure.previous == 0:
        return f"none in previous {noun}", MUTED
    colour = WORSE if figure.change > 0 else BETTER
    arrow = "▲" if figure.change > 0 else "▼"
    return f"{arrow} {figure.percent_words} vs previous {noun} ({_number(figure.previous)})", colour


def _cover(pdf: _Document, report: ReportData) -> None:
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
             f"Times in {report.timezone} · generated {_day(generated.date())} {generated:%H:%M %Z}")
    pdf.set_y(52 + grow)
    if report.partial:
        _partial(pdf, report)


def _partial(pdf: _Document, report: ReportData) -> None:
    """The banner of a preview of a period that has not ended."""
    generated = report.generated_at
    lines = [f"Partial period: this {report.period_noun} ends on {_day(report.last_day)}.",
             f"This preview counts what was recorded until {_day(generated.date())} {generated:%H:%M %Z}; "
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


def _summary(pdf: _Document, report: ReportData) -> None:
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


def _sentence_lines(pdf: _Document, sentence: Sentence, width: float) -> list[str]:
    pdf.use(8.5, bold=sentence.tone == "alert")
    return pdf.wrap(clean(sentence.text), width)


def _cards(pdf: _Document, report: ReportData) -> None:
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
        pdf.text(x + 4, y + 13.5, _number(figure.value))
        if note:  # beside the number: how many of the open ones are past their SLA
            left = x + 4 + pdf.width_of(_number(figure.value)) + 3
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


def _chart(pdf: _Document, report: ReportData) -> None:
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
        label = _number(tick)
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
        _day(first) if unit == "hour" else f"{_day(first)} – {_day(last)}")
    pdf.text(left, top + height + 8, caption)
    pdf.set_y(top + height + 10)


def _ranked(pdf: _Document, x: float, y: float, width: float, heading: str, rows: Sequence[Ranked],
            empty: str = "none") -> float:
    """A titled table of ranked names with a bar of their attacks; returns where it ends."""
    if heading:
        pdf.use(9.5, bold=True)
        pdf.text(x, y + 3.5, heading)
        y += 6
    columns = [Column("Name", width - 40), Column("Attacks", 20, "R"), Column("Hits", 20, "R")]
    _header_row(pdf, x, y, columns)
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
        y += _cells(pdf, x, y, columns, [clean(row.name), _number(row.attacks), _number(row.hits)]) + 0.6
    return y


def _ranked_room(rows: Sequence[Ranked]) -> float:
    """About the height of a ranked table (a line per row; long names take more, rarely)."""
    return 6 + ROW + max(len(rows), 1) * (ROW + 0.6) + 4


def _tops(pdf: _Document, report: ReportData) -> None:
    pdf.section("Top attack types and attacked hosts",
                keep=max(_ranked_room(report.top_attack_types), _ranked_room(report.top_hosts)))
    _pair(pdf, ("Attack types", report.top_attack_types, "none"), ("Attacked hosts", report.top_hosts, "none"))


def _pair(pdf: _Document, *tables: tuple[str, Sequence[Ranked], str]) -> None:
    """Two ranked tables side by side."""
    pdf.room_for(max(_ranked_room(rows) for _, rows, _ in tables))
    y = pdf.get_y()
    half = (180 - 8) / 2
    end = max(_ranked(pdf, MARGIN + n * (half + 8), y, half, heading, rows, empty)
              for n, (heading, rows, empty) in enumerate(tables))
    pdf.set_y(end + 2)


def _owasp(pdf: _Document, report: ReportData) -> None:
    pdf.section("OWASP API Security Top 10 (2023)", "attacks by the category of their type",
                keep=_ranked_room(report.owasp_api))
    pdf.set_y(_ranked(pdf, MARGIN, pdf.get_y(), 180, "", report.owasp_api) + 2)


def _endpoints(pdf: _Document, report: ReportData) -> None:
    pdf.section("Attacked endpoints", "host and path", keep=_ranked_room(report.top_endpoints))
    pdf.set_y(_ranked(pdf, MARGIN, pdf.get_y(), 180, "", report.top_endpoints,
                      "No endpoints were recorded: the attacks carried no path.") + 2)


def _sources(pdf: _Document, report: ReportData) -> None:
    pdf.section("Where attacks came from and what was blocked", keep=14 + _ranked_room(report.top_ips))
    _blocked(pdf, report)
    _pair(pdf, ("Source IPs", report.top_ips, "No source IPs were recorded."),
          ("Countries", report.top_countries, "Not known: the attacks carried no country."))


def _blocked(pdf: _Document, report: ReportData) -> None:
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
    label = f"Blocked {_number(blocked)} ({share:.0%})"
    pdf.text(MARGIN, top + 8, label)
    pdf.use(8, bold=True, colour=MONITORED)
    label = f"Monitored only {_number(attacks - blocked)} ({1 - share:.0%})" if attacks else "No attacks"
    pdf.text(MARGIN + 180 - pdf.width_of(label), top + 8, label)
    pdf.set_y(top + 12)


def _header_row(pdf: _Document, x: float, y: float, columns: Sequence[Column]) -> None:
    pdf.use(7, bold=True, colour=MUTED)
    _cells(pdf, x, y, columns, [c.title.upper() for c in columns], bold=True)
    pdf.set_draw_color(*RULE)
    pdf.line(x, y + ROW, x + sum(c.width for c in columns), y + ROW)
    pdf.use(7.5)


def _cells(pdf: _Document, x: float, y: float, columns: Sequence[Column], texts: Sequence[str],
           bold: bool = False) -> float:
    """One row of wrapped texts; returns its height."""
    if not bold:
        pdf.use(7.5)
    cells = [pdf.wrap(text, column.width - 2) for column, text in zip(columns, texts, strict=True)]
    _print_cells(pdf, x, y, columns, cells)
    return ROW + LINE * (max(map(len, cells)) - 1)


def _print_cells(pdf: _Document, x: float, y: float, columns: Sequence[Column], cells: Sequence[list[str]],
                 tints: dict[int, tuple[int, int, int]] | None = None) -> None:
    for index, (column, lines) in enumerate(zip(columns, cells, strict=True)):
        colour = tints.get(index) if tints else None
        if colour:
            pdf.ink(colour)
        for n, line in enumerate(lines):
            left = x + column.width - 1 - pdf.width_of(line) if column.align == "R" else x + 1
            pdf.text(left, y + 3.4 + n * LINE, line)
        if colour:
            pdf.ink(INK)
        x += column.width


def _table(pdf: _Document, columns: Sequence[Column], rows: Sequence[Sequence[str]],
           colours: Callable[[int], dict[int, tuple[int, int, int]]]) -> None:
    """Rows of plain text, every cell wrapped to its column; ``colours(row)`` tints some cells."""
    x = MARGIN

    def start() -> None:  # leaves the rows' font and ink set: each row changes them only for a moment
        _header_row(pdf, x, pdf.get_y(), columns)
        pdf.ink(INK)
        pdf.set_y(pdf.get_y() + ROW + 0.5)

    pdf.on_new_page = start
    start()
    widths = [column.width - 2 for column in columns]
    for n, texts in enumerate(rows):
        cells = [pdf.wrap(text, width) for width, text in zip(widths, texts, strict=True)]
        height = ROW + LINE * (max(map(len, cells)) - 1)
        if pdf.get_y() + height > PAGE_BOTTOM:
            pdf.add_page()
        y = pdf.get_y()
        if n % 2:
            pdf.set_fill_color(*ZEBRA)
            pdf.rect(x, y, 180, height, style="F")
            pdf.ink(INK)
        _print_cells(pdf, x, y, columns, cells, colours(n))
        pdf.set_y(y + height)
    pdf.on_new_page = None


def _when(moment: datetime) -> str:
    return f"{moment:%d %b %H:%M}"


def _days(days: int | None) -> str:
    return "–" if days is None else "< 1 d" if days == 0 else f"{days:,} d"


def _status(row: VulnerabilityRow) -> str:
    """``Open, 12 d, overdue``, ``Fixed in 3 d``, ``False positive``: the status at the end and its days."""
    if row.days is None:
        return STATUS_WORDS[row.status]
    if row.status == "closed":
        return f"Fixed in {_days(row.days)}"
    return f"{STATUS_WORDS[row.status]}, {_days(row.days)}" + (", overdue" if row.overdue else "")


def _backlog(pdf: _Document, report: ReportData) -> None:
    """The backlog by risk: open at the period's end (and the previous one's), how it moved, age and SLA."""
    figures, noun = report.vulnerability_figures, report.period_noun
    columns = [Column("Risk", 18), Column("Open at end", 22, "R"), Column(f"Previous {noun}", 28, "R"),
               Column("New", 14, "R"), Column("Fixed", 14, "R"), Column("Reopened", 20, "R"),
               Column("Overdue", 18, "R"), Column("Oldest open", 24, "R"), Column("SLA", 22, "R")]
    risks = list(report.open_vulnerabilities)
    rows = [[RISK_NAMES[risk], _number(report.open_vulnerabilities[risk].value),
             _number(report.open_vulnerabilities[risk].previous), _number(figures.new.get(risk, 0)),
             _number(figures.fixed.get(risk, 0)), _number(figures.reopened.get(risk, 0)),
             _number(figures.overdue.get(risk, 0)),
             _days(figures.oldest_open_days[risk]) if risk in figures.oldest_open_days else "–",
             _days(figures.sla_days.get(risk))] for risk in risks]
    _table(pdf, columns, rows, lambda n: {0: RISK_COLOURS[risks[n]],
                                           **({6: WORSE} if figures.overdue.get(risks[n]) else {})})
    fixed = sum(figures.fixed.values())
    mean = "" if figures.mean_days_to_fix is None else f" in {figures.mean_days_to_fix:,.1f} days on average"
    pdf.use(8, colour=MUTED)
    pdf.text(MARGIN, pdf.get_y() + 4, pdf.fit(
        f"Fixed this {noun}: {fixed:,}{mean} · false positives: {figures.false_positives:,} · "
        f"overdue: open longer than the SLA", 180))
    pdf.set_y(pdf.get_y() + 8)


def _vulnerabilities(pdf: _Document, report: ReportData) -> None:
    open_total = sum(figure.value for figure in report.open_vulnerabilities.values())
    pdf.section("Vulnerabilities", f"{open_total:,} open at the end of the {report.period_noun} · "
                                   f"{len(report.vulnerabilities):,} listed", keep=8 + 9 * ROW)
    _backlog(pdf, report)
    if not report.vulnerabilities:
        _nothing(pdf, f"No vulnerability was open or changed this {report.period_noun}.")
        return
    columns = [Column("Detected", 22), Column("Title", 58), Column("Host", 32), Column("Target", 32),
               Column("Status at end", 36)]
    for risk in RISK_COLOURS:
        group = [v for v in report.vulnerabilities if v.risk == risk]
        if not group:
            continue
        pdf.room_for(8 + 5 * ROW)  # a heading and a few rows, never a heading alone
        pdf.set_fill_color(*RISK_COLOURS[risk])
        pdf.rect(MARGIN, pdf.get_y() + 1.2, 2.4, 2.4, style="F")
        heading = f"{RISK_NAMES[risk]} risk"
        pdf.use(9.5, bold=True)
        pdf.text(MARGIN + 4, pdf.get_y() + 3.6, heading)
        indent = MARGIN + 4 + pdf.width_of(heading) + 2.5
        pdf.use(8, colour=MUTED)
        still_open = sum(v.status in OPEN for v in group)
        overdue = sum(v.overdue for v in group)
        pdf.text(indent, pdf.get_y() + 3.6, f"{len(group):,} · {still_open:,} open" + (
            f" · {overdue:,} overdue" if overdue else ""))
        pdf.set_y(pdf.get_y() + 6)
        rows = [[_when(v.detected), clean(v.title), clean(v.host), clean(v.target), _status(v)] for v in group]
        _table(pdf, columns, rows, lambda n, group=group: {4: WORSE} if group[n].overdue else (
            {} if group[n].status in OPEN else {4: MUTED}))
        pdf.ln(3)


def _incidents(pdf: _Document, report: ReportData) -> None:
    pdf.section("Incidents", f"{len(report.incident_rows):,} this {report.period_noun}")
    if not report.incident_rows:
        _nothing(pdf, f"No incidents this {report.period_noun}.")
        return
    columns = [Column("Time", 20), Column("Risk", 14), Column("Title", 60), Column("Host", 34),
               Column("Attack type", 30), Column("Status", 22)]
    rows = [[_when(i.time), RISK_NAMES[i.risk], clean(i.title), clean(i.host), clean(i.attack_type) or "–",
             clean(i.status)] for i in report.incident_rows]
    risks = [RISK_COLOURS[i.risk] for i in report.incident_rows]
    _table(pdf, columns, rows, lambda n: {1: risks[n]})


def _nothing(pdf: _Document, message: str) -> None:
    pdf.use(8.5, colour=MUTED)
    pdf.text(MARGIN, pdf.get_y() + 3.5, message)
    pdf.set_y(pdf.get_y() + 7)


def _empty(pdf: _Document, report: ReportData) -> None:
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
        pdf.text(MARGIN + 8, top + 25, f"Previous {report.period_noun}: {_number(before[0])} attacks, "
                                       f"{_number(before[1])} incidents.")


def render(report: ReportData, product: str = "Email Report") -> bytes:
    """The report as PDF bytes."""
    pdf = _Document(report, clean(product))
    pdf.set_title(f"{clean(report.tenant_name)} – {title(report)} – {report.period_key}")
    pdf.set_author(pdf.product)
    pdf.set_creation_date(report.generated_at)
    pdf.add_page()
    _cover(pdf, report)
    if report.is_empty:
        _empty(pdf, report)
    else:
        _summary(pdf, report)
        _cards(pdf, report)
        _chart(pdf, report)
        _tops(pdf, report)
        _owasp(pdf, report)
        _endpoints(pdf, report)
        _sources(pdf, report)
        _vulnerabilities(pdf, report)
        _incidents(pdf, report)
    return bytes(pdf.output())
