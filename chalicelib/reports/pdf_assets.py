"""The PDF's risk-by-asset section: the hosts and applications holding the open vulnerabilities, worst first."""

from chalicelib.models.security import RISKS
from chalicelib.reports.assets import AssetRisk
from chalicelib.reports.content import ReportData
from chalicelib.reports.pdf_layout import RISK_COLOURS, RISK_NAMES, WORSE, Column, Document, clean, number, table


def _table(pdf: Document, heading: str, rows: list[AssetRisk]) -> None:
    columns = [Column(heading, 80), *(Column(RISK_NAMES[risk], 18 if risk != "medium" else 20, "R")
                                      for risk in RISKS), Column("Oldest open", 24, "R"), Column("Overdue", 20, "R")]
    texts = [[clean(row.name), *(number(row.open[risk]) for risk in RISKS),
              f"{row.oldest_days:,} d" if row.oldest_days else "< 1 d", number(row.overdue)] for row in rows]

    def colours(n: int) -> dict[int, tuple[int, int, int]]:
        tinted = {1 + k: RISK_COLOURS[risk] for k, risk in enumerate(RISKS) if rows[n].open[risk]}
        return {**tinted, **({5: WORSE} if rows[n].overdue else {})}

    table(pdf, columns, texts, colours)
    pdf.set_y(pdf.get_y() + 3)


def assets(pdf: Document, report: ReportData) -> None:
    """Top vulnerable hosts, and applications when the vulnerability events named them; nothing when none is
    open at the period's end."""
    if not report.vulnerable_hosts and not report.vulnerable_applications:
        return
    end = "now" if report.partial else f"at the {report.period_noun}'s end"
    pdf.section("Risk by asset", f"open vulnerabilities {end}, the most high-risk first", keep=20)
    for heading, rows in (("Host", report.vulnerable_hosts), ("Application", report.vulnerable_applications)):
        if rows:
            _table(pdf, heading, rows)
