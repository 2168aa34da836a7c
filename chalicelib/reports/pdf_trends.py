"""The trends section: the same figures over the last 12 months, 12 weeks or 30 days as small bar charts drawn
with fpdf2's own rectangles and lines (two columns of small multiples, the latest value beside each title)."""

from collections.abc import Callable, Sequence

from chalicelib.models.security import RISKS
from chalicelib.models.trends import TrendPoint
from chalicelib.reports.content import ReportData
from chalicelib.reports.pdf_layout import BAR, BETTER, CARD, MARGIN, MUTED, RISK_COLOURS, RULE, WORSE, Document

SPANS = {"monthly": "Last 12 months", "weekly": "Last 12 weeks", "daily": "Last 30 days"}
WIDTH, HEIGHT, GAP = 88.0, 33.0, 4.0  # one chart's box; two per row across the page's 180 mm
PLOT = 15.0  # the bars' height inside a box, under the peak's label
Value = Callable[[TrendPoint], float | None]
Shown = Callable[[float], str]


def _percent(value: float) -> str:
    return f"{value:.0f}%"


def _days(value: float) -> str:
    return f"{value:,.1f} d"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _charts(noun: str) -> list[tuple[str, Value, Shown, tuple[int, int, int]]]:
    return [("Attacks", lambda p: p.attacks, _count, BAR),
            ("Hits", lambda p: p.hits, _count, BAR),
            ("Blocked", lambda p: p.blocked_percent, _percent, BETTER),
            (f"Backlog at {noun} end", lambda p: sum(p.backlog.values()), _count, BAR),
            ("Mean time to fix", lambda p: p.mean_days_to_fix, _days, BAR),
            ("Fixed within SLA", lambda p: p.fixed_within_sla_percent, _percent, BETTER),
            (f"Overdue at {noun} end", lambda p: p.overdue, _count, WORSE)]


def _labels(points: Sequence[TrendPoint]) -> list[str]:
    """Every label under 12 bars (months without their year: the note names the span), every fifth of 30."""
    if len(points) <= 12:
        return [p.label.split(" ")[0] for p in points]
    return [p.label if n % 5 == 0 or n == len(points) - 1 else "" for n, p in enumerate(points)]


def _box(pdf: Document, x: float, y: float, title: str, points: Sequence[TrendPoint], value: Value, shown: Shown,
         colour: tuple[int, int, int], stacked: bool) -> None:
    pdf.set_fill_color(*CARD)
    pdf.rect(x, y, WIDTH, HEIGHT, style="F")
    pdf.use(7.5, colour=MUTED)
    pdf.text(x + 3, y + 5, title)
    latest = value(points[-1])
    pdf.use(10, bold=True)
    text = "–" if latest is None else shown(latest)
    pdf.text(x + WIDTH - 3 - pdf.width_of(text), y + 5.5, text)
    values = [value(p) for p in points]
    peak = max((v for v in values if v is not None), default=0) or 1
    left, bottom, slot = x + 3, y + 10 + PLOT, (WIDTH - 6) / len(points)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.line(left, bottom, left + WIDTH - 6, bottom)
    pdf.use(5.5, colour=MUTED)
    pdf.text(left, y + 8.6, shown(peak) if any(values) else "")
    for n, (point, amount) in enumerate(zip(points, values, strict=True)):
        bar_x, bar_w = left + n * slot + slot * 0.15, slot * 0.7
        if stacked:  # the backlog by risk, high at the bottom
            base = bottom
            for risk in RISKS:
                height = PLOT * point.backlog.get(risk, 0) / peak
                if height > 0:
                    pdf.set_fill_color(*RISK_COLOURS[risk])
                    pdf.rect(bar_x, base - height, bar_w, height, style="F")
                    base -= height
        elif amount:
            pdf.set_fill_color(*colour)
            pdf.rect(bar_x, bottom - PLOT * amount / peak, bar_w, PLOT * amount / peak, style="F")
    for n, label in enumerate(_labels(points)):
        if label:
            pdf.text(left + n * slot + (slot - pdf.width_of(label)) / 2, bottom + 3, label)


def trends(pdf: Document, report: ReportData) -> None:
    """The trend charts, or nothing when the report carries no trend (a sample)."""
    points = report.trends
    if not points:
        return
    noun = report.period_noun
    span = f"{points[0].key} to {points[-1].key}"
    pdf.section(SPANS[report.frequency], f"{span} · {report.timezone} · backlog and overdue at each {noun}'s end",
                keep=2 * HEIGHT)
    charts = _charts(noun)
    for first in range(0, len(charts), 2):
        pdf.room_for(HEIGHT + GAP)
        top = pdf.get_y()
        for column, (title, value, shown, colour) in enumerate(charts[first:first + 2]):
            _box(pdf, MARGIN + column * (WIDTH + GAP), top, title, points, value, shown, colour,
                 stacked=title.startswith("Backlog"))
        pdf.set_y(top + HEIGHT + GAP)
    _legend(pdf, top)


def _legend(pdf: Document, top: float) -> None:
    """Beside the last chart (alone on its row): the backlog's colours and what a missing bar means."""
    x = MARGIN + WIDTH + GAP + 3
    pdf.use(7, colour=MUTED)
    for n, risk in enumerate(RISKS):
        pdf.set_fill_color(*RISK_COLOURS[risk])
        pdf.rect(x, top + 3 + 5 * n, 2.5, 2.5, style="F")
        pdf.text(x + 4, top + 5.3 + 5 * n, f"{risk.capitalize()} risk (backlog)")
    notes = ("No bar for a percentage or a mean: nothing to", "measure (no attack, no fix in the period).",
             "SLA: the tenant's fix deadline of each risk.")
    for n, line in enumerate(notes):
        pdf.text(x, top + 21 + 3.6 * n, line)
