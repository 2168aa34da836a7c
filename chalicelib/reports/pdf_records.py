"""The PDF's record sections: the vulnerability backlog and list by risk, and the incidents."""

from datetime import datetime

from chalicelib.models.security import OPEN, STATUS_WORDS
from chalicelib.reports.content import ReportData, VulnerabilityRow
from chalicelib.reports.pdf_layout import (
    LINE,
    MARGIN,
    MUTED,
    RISK_COLOURS,
    RISK_NAMES,
    ROW,
    WORSE,
    Column,
    Document,
    clean,
    nothing,
    number,
    table,
)


def _when(moment: datetime) -> str:
    return f"{moment:%d %b %H:%M}"


def _days(days: int | None) -> str:
    return "–" if days is None else "< 1 d" if days == 0 else f"{days:,} d"


def _status(row: VulnerabilityRow) -> str:
    """``Open, 12 d, overdue``, ``Fixed in 3 d``, ``False positive``: the status at the end and its days."""
    if row.days is None:
        return "Closed when first reported" if row.status == "closed" else STATUS_WORDS[row.status]
    if row.status == "closed":
        return f"Fixed in {_days(row.days)}"
    overdue = ", overdue" if row.overdue else ""
    if row.reopened:  # its age counts from the reopening, so the date says from when
        return f"Reopened {row.reopened:%d %b}, open {_days(row.days)}{overdue}"
    return f"{STATUS_WORDS[row.status]}, {_days(row.days)}{overdue}"


def backlog(pdf: Document, report: ReportData) -> None:
    """The backlog by risk: open at the period's end (and the previous one's), how it moved, age and SLA."""
    figures, noun = report.vulnerability_figures, report.period_noun
    columns = [Column("Risk", 18), Column("Open at end", 22, "R"), Column(f"Previous {noun}", 28, "R"),
               Column("New", 14, "R"), Column("Fixed", 14, "R"), Column("Reopened", 20, "R"),
               Column("Overdue", 18, "R"), Column("Oldest open", 24, "R"), Column("SLA", 22, "R")]
    risks = list(report.open_vulnerabilities)
    rows = [[RISK_NAMES[risk], number(report.open_vulnerabilities[risk].value),
             number(report.open_vulnerabilities[risk].previous), number(figures.new.get(risk, 0)),
             number(figures.fixed.get(risk, 0)), number(figures.reopened.get(risk, 0)),
             number(figures.overdue.get(risk, 0)),
             _days(figures.oldest_open_days[risk]) if risk in figures.oldest_open_days else "–",
             _days(figures.sla_days.get(risk))] for risk in risks]
    table(pdf, columns, rows, lambda n: {0: RISK_COLOURS[risks[n]],
                                           **({6: WORSE} if figures.overdue.get(risks[n]) else {})})
    fixed = sum(figures.fixed.values())
    mean = "" if figures.mean_days_to_fix is None else f" in {figures.mean_days_to_fix:,.1f} days on average"
    pdf.use(8, colour=MUTED)
    texts = [f"Fixed this {noun}: {fixed:,}{mean} · false positives: {figures.false_positives:,}.", *legend(noun)]
    y = pdf.get_y() + 4
    for line in (line for text in texts for line in pdf.wrap(text, 180)):
        pdf.text(MARGIN, y, line)
        y += LINE
    pdf.set_y(y + 4)


def legend(noun: str) -> list[str]:
    """What the backlog's words mean: the rule :func:`~chalicelib.reports.content.moves` applies."""
    return [f"Fixed: closed after being open, once per vulnerability; a fix undone by a reopening in the same {noun} "
            "counts as neither fixed nor reopened, and one first reported already closed as neither new nor fixed. "
            "The mean time to fix covers exactly the fixes counted.",
            "Age and overdue count from detection, or from the last reopening; overdue: open longer than its "
            "risk's SLA."]


def vulnerabilities(pdf: Document, report: ReportData) -> None:
    open_total = sum(figure.value for figure in report.open_vulnerabilities.values())
    pdf.section("Vulnerabilities", f"{open_total:,} open at the end of the {report.period_noun} · "
                                   f"{len(report.vulnerabilities):,} listed", keep=8 + 9 * ROW)
    backlog(pdf, report)
    if not report.vulnerabilities:
        nothing(pdf, f"No vulnerability was open or changed this {report.period_noun}.")
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
        table(pdf, columns, rows, lambda n, group=group: {4: WORSE} if group[n].overdue else (
            {} if group[n].status in OPEN else {4: MUTED}))
        pdf.ln(3)


def incidents(pdf: Document, report: ReportData) -> None:
    pdf.section("Incidents", f"{len(report.incident_rows):,} this {report.period_noun}")
    if not report.incident_rows:
        nothing(pdf, f"No incidents this {report.period_noun}.")
        return
    columns = [Column("Time", 20), Column("Risk", 14), Column("Title", 60), Column("Host", 34),
               Column("Attack type", 30), Column("Status", 22)]
    rows = [[_when(i.time), RISK_NAMES[i.risk], clean(i.title), clean(i.host), clean(i.attack_type) or "–",
             clean(i.status)] for i in report.incident_rows]
    risks = [RISK_COLOURS[i.risk] for i in report.incident_rows]
    table(pdf, columns, rows, lambda n: {1: risks[n]})
