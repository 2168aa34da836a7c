"""The PDF's layout primitives with fpdf2: the page (fonts, measuring, wrapping, header and footer), colours and
sizes, and tables; the report's sections use them (:mod:`~chalicelib.reports.pdf`).

Scripts DejaVu has no glyphs for — Chinese, Japanese, Korean, Arabic, Hebrew, the Indic scripts, Thai and more —
print in bundled fonts that a report loads only when it has such text (:mod:`~chalicelib.reports.pdf_scripts`);
texts that need shaping go through fpdf2's ``cell()`` with HarfBuzz, the rest through ``text()``.

Tables are drawn row by row with ``text()`` and our own width measurement from the font's metrics:
fpdf2's ``table()`` and ``cell()`` re-measure and line-break every cell and cost 2–10× more,
which matters for months with thousands of vulnerabilities. Texts wrap at spaces (or inside a word longer
than its cell) rather than being cut.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from pathlib import Path

from fpdf import FPDF

from chalicelib.reports import pdf_scripts as scripts
from chalicelib.reports.content import ReportData

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"

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
SAMPLE = (250, 226, 226)
SAMPLE_MARK = "SAMPLE"

MARGIN = 15.0
PAGE_BOTTOM = 297.0 - 16.0
ROW = 5.0
LINE = 3.6
MAX_LINES = 50  # a cell of the longest text we accept (2,000 characters) still fits on a page
_JOINTS = (".", ":", "/")
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
    yield from (asset.name for asset in report.vulnerable_applications)  # hosts: in the vulnerability rows
    for row in (*report.vulnerabilities, *report.incident_rows):
        yield from (text for text in row[2:] if isinstance(text, str))  # after the time and the risk


class Document(FPDF):
    def __init__(self, report: ReportData, product: str) -> None:
        super().__init__(format="A4", unit="mm")
        self.report = report
        self.product = product
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.scripts = scripts.needed(_texts(report, product))  # none: no check per text
        for font in self.scripts:  # regular only: bold text in these scripts prints regular
            self.add_font(font.family, "", FONTS / font.file)
        if any(font.shaped for font in self.scripts):
            self.set_fallback_fonts([font.family for font in self.scripts], exact_match=False)
            self.set_text_shaping(True)
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
        if not (self.scripts and scripts.OTHER.search(text)):
            return [widths[ord(char)] * scale for char in text]
        measured = []
        for char in text:
            font = scripts.font_of(char, self.scripts)
            other, other_scale = self._widths(font.family, "") if font else (widths, scale)
            measured.append(other[ord(char)] * other_scale)
        return measured

    def text(self, x: float, y: float, text: str = "") -> None:
        """fpdf2's ``text()``, printing other scripts in their fonts: shaped ones through ``cell()``."""
        if not self.scripts or text.isascii() or not scripts.OTHER.search(text):
            super().text(x, y, self._printable(text))
        elif scripts.SHAPED.search(text):
            self._shaped(x, y, self._printable(text))
        else:
            style, size = self.font_style, self.font_size_pt
            for run, font in self._runs(self._printable(text)):
                self.set_font(font.family if font else FAMILY, "" if font else style, size)
                super().text(x, y, run)
                x += self.width_of(run)
            self.set_font(FAMILY, style, size)

    def _runs(self, text: str) -> Iterator[tuple[str, "scripts.ScriptFont | None"]]:
        """``text`` in runs of one font each (``None``: DejaVu)."""
        start, current = 0, scripts.font_of(text[0], self.scripts) if text else None
        for n, char in enumerate(text):
            font = scripts.font_of(char, self.scripts)
            if font != current:
                yield text[start:n], current
                start, current = n, font
        yield text[start:], current

    def _shaped(self, x: float, y: float, text: str) -> None:
        """One line with text shaping (joined, reordered, right-to-left letters): fpdf2 shapes in ``cell()``
        only. The cell's baseline is 0.8 × the font size below its top; the position and page are left as they
        were, as ``text()`` leaves them."""
        at, breaks = (self.x, self.y), self.auto_page_break
        self.auto_page_break = False
        self.set_xy(x, y - 0.8 * self.font_size)
        self.cell(h=self.font_size, text=text)
        self.x, self.y = at
        self.auto_page_break = breaks

    def _printable(self, text: str) -> str:
        """``text`` with each character no loaded font has replaced by a visible mark (never a blank)."""
        if text.isascii():
            return text
        dejavu = self.fonts[FAMILY.lower() + self.font_style].cmap
        return "".join(char if ord(char) in (self.fonts[font.family.lower()].cmap if font else dejavu)
                       or char.isspace() else scripts.MISSING
                       for char, font in ((char, scripts.font_of(char, self.scripts)) for char in text))

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
            if stop < end:  # break at the last space that fits, else after a dot, colon or slash (host names,
                space = text.rfind(" ", start, stop + 1)  # URLs: never inside a label), else inside the word
                joint = max(text.rfind(mark, start, stop) for mark in _JOINTS) + 1
                stop = space if space > start else joint if joint > start else max(stop, start + 1)
            lines.append(text[start:stop].rstrip())
            start = stop
            while start < end and text[start] == " ":
                start += 1
        if start < end:
            lines[-1] = self.fit(f"{lines[-1]} {text[start:]}", width)
        return lines

    # -- page furniture --------------------------------------------------------------------------

    def header(self) -> None:
        if self.report.sample:
            self._watermark()
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

    def _watermark(self) -> None:
        """SAMPLE across the page, under what the page prints (the header runs first)."""
        self.use(96, bold=True, colour=SAMPLE)
        with self.rotation(50, 105, 160):
            self.text(105 - self.width_of(SAMPLE_MARK) / 2, 175, SAMPLE_MARK)

    def footer(self) -> None:
        if self.report.sample:  # in words too: a forwarded page still says what it is
            self.use(7.5, bold=True, colour=WORSE)
            self.text(MARGIN, 285, "SAMPLE: made-up figures from Test integration, not this company's data")
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


def date_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def period_label(report: ReportData) -> str:
    first, last = report.first_day, report.last_day
    if report.frequency == "daily":
        return f"{first:%A}, {date_words(first)}"
    if report.frequency == "monthly":
        return f"{first:%B %Y}"
    start = str(first.day) if first.month == last.month else f"{first.day} {first:%B}" + (
        f" {first.year}" if first.year != last.year else "")
    return f"Week {report.period_key.split('-W')[1]}: {start} – {date_words(last)}"


def number(value: int) -> str:
    return f"{value:,}"


def header_row(pdf: Document, x: float, y: float, columns: Sequence[Column]) -> None:
    pdf.use(7, bold=True, colour=MUTED)
    print_row(pdf, x, y, columns, [c.title.upper() for c in columns], bold=True)
    pdf.set_draw_color(*RULE)
    pdf.line(x, y + ROW, x + sum(c.width for c in columns), y + ROW)
    pdf.use(7.5)


def print_row(pdf: Document, x: float, y: float, columns: Sequence[Column], texts: Sequence[str],
           bold: bool = False) -> float:
    """One row of wrapped texts; returns its height."""
    if not bold:
        pdf.use(7.5)
    cells = [pdf.wrap(text, column.width - 2) for column, text in zip(columns, texts, strict=True)]
    _print_cells(pdf, x, y, columns, cells)
    return ROW + LINE * (max(map(len, cells)) - 1)


def _print_cells(pdf: Document, x: float, y: float, columns: Sequence[Column], cells: Sequence[list[str]],
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


def table(pdf: Document, columns: Sequence[Column], rows: Sequence[Sequence[str]],
           colours: Callable[[int], dict[int, tuple[int, int, int]]]) -> None:
    """Rows of plain text, every cell wrapped to its column; ``colours(row)`` tints some cells."""
    x = MARGIN

    def start() -> None:  # leaves the rows' font and ink set: each row changes them only for a moment
        header_row(pdf, x, pdf.get_y(), columns)
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


def nothing(pdf: Document, message: str) -> None:
    pdf.use(8.5, colour=MUTED)
    pdf.text(MARGIN, pdf.get_y() + 3.5, message)
    pdf.set_y(pdf.get_y() + 7)
