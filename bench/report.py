"""Benchmark: render the monthly report with N table rows through fpdf2 (ours), WeasyPrint and reportlab.

Every render runs in a fresh process that loads the report data from JSON, renders once and reports
its render time (wall and CPU: the CPU time is what a loaded machine disturbs least) and peak RSS (``ru_maxrss``
of the whole process: interpreter, imports, data, render).
Usage: ``python bench/report.py [--rows 2000 20000] [--runs 3] [--slow-runs 1]``.
"""

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chalicelib.reports.content import ReportData  # noqa: E402
from chalicelib.reports.demo import demo_report  # noqa: E402
from chalicelib.reports.pdf_layout import FONTS, period_label, title  # noqa: E402

ENGINES = ("fpdf2", "weasyprint", "reportlab")
PRODUCT = "Email Report"


def render_weasyprint(report: ReportData) -> bytes:
    import jinja2
    import weasyprint

    template = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True)
    html = template.get_template("report.html.j2").render(
        r=report, title=title(report), period=period_label(report), product=PRODUCT, fonts=FONTS.as_uri(),
        figures=_figures(report), peak=max([b.attacks for b in report.timeline] + [1]),
        tops=[("Attack type", report.top_attack_types), ("Host", report.top_hosts)],
        vulnerabilities=_by_risk(report))
    return weasyprint.HTML(string=html).write_pdf()


def render_reportlab(report: ReportData) -> bytes:
    import io

    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(TTFont("DejaVu", str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))
    body = ParagraphStyle("body", fontName="DejaVu", fontSize=7.5, leading=9)
    h1 = ParagraphStyle("h1", fontName="DejaVu-Bold", fontSize=22, leading=26)
    h2 = ParagraphStyle("h2", fontName="DejaVu-Bold", fontSize=12, leading=16, spaceBefore=8)
    style = TableStyle([("FONT", (0, 0), (-1, -1), "DejaVu", 7.5), ("TEXTCOLOR", (0, 0), (-1, 0), colors.grey),
                        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.lightgrey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f8fa")])])

    def table(header: list[str], rows: list[list[object]], widths: list[float], wrap: int | None = None) -> Table:
        cells = [[Paragraph(str(c), body) if n == wrap else str(c) for n, c in enumerate(row)] for row in rows]
        return Table([header, *cells], colWidths=[w * mm for w in widths], style=style, repeatRows=1)

    story: list[object] = [Paragraph(report.tenant_name, h1), Paragraph(f"{title(report)} · {period_label(report)}",
                                                                          body)]
    story.append(table(["", "Value", "Previous"], [[label, f"{f.value:,}", f"{f.previous:,}"]
                                                   for label, f in _figures(report)], [80, 40, 40]))
    chart = Drawing(180 * mm, 50 * mm)
    bars = VerticalBarChart()
    bars.width, bars.height, bars.x, bars.y = 165 * mm, 40 * mm, 12 * mm, 6 * mm
    bars.data = [[b.attacks for b in report.timeline]]
    bars.categoryAxis.categoryNames = [b.label for b in report.timeline]
    bars.categoryAxis.labels.fontName = bars.valueAxis.labels.fontName = "DejaVu"
    chart.add(bars)
    story += [Paragraph(f"Attacks per {report.timeline_unit}", h2), chart]
    for heading, ranked in (("Top attack types", report.top_attack_types), ("Top attacked hosts", report.top_hosts)):
        story += [Paragraph(heading, h2), table(["Name", "Attacks", "Hits"],
                                                [[r.name, f"{r.attacks:,}", f"{r.hits:,}"] for r in ranked],
                                                [100, 40, 40])]
    story.append(Paragraph("Vulnerabilities", h2))
    for risk, rows in _by_risk(report):
        story += [Paragraph(f"{risk.capitalize()} risk · {len(rows)}", body), table(
            ["Detected", "Title", "Host", "Target", "Status"],
            [[f"{v.detected:%d %b %H:%M}", v.title, v.host, v.target, v.status] for v in rows],
            [22, 66, 34, 40, 18], wrap=1), Spacer(1, 4 * mm)]
    story += [Paragraph("Incidents", h2), table(
        ["Time", "Risk", "Title", "Host", "Attack type", "Status"],
        [[f"{i.time:%d %b %H:%M}", i.risk, i.title, i.host, i.attack_type, i.status] for i in report.incident_rows],
        [22, 16, 66, 36, 22, 18], wrap=2)]

    def footer(canvas: object, doc: object) -> None:
        canvas.setFont("DejaVu", 7.5)  # type: ignore[attr-defined]
        canvas.drawRightString(195 * mm, 10 * mm, f"Page {doc.page}")  # type: ignore[attr-defined]

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm).build(
        story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def render_fpdf2(report: ReportData) -> bytes:
    from chalicelib.reports.pdf import render

    return render(report, PRODUCT)


def _figures(report: ReportData) -> list[tuple[str, object]]:
    return [("Attacks", report.attacks), ("Hits", report.hits), ("Incidents", report.incidents),
            *((f"Open {risk}-risk vulnerabilities", f) for risk, f in report.open_vulnerabilities.items())]


def _by_risk(report: ReportData) -> list[tuple[str, list[object]]]:
    groups = [(risk, [v for v in report.vulnerabilities if v.risk == risk]) for risk in ("high", "medium", "low")]
    return [(risk, rows) for risk, rows in groups if rows]


def child(engine: str, data: Path, out: Path | None) -> None:
    report = ReportData.model_validate_json(data.read_text())
    renderer = {"fpdf2": render_fpdf2, "weasyprint": render_weasyprint, "reportlab": render_reportlab}[engine]
    started, cpu = time.perf_counter(), time.process_time()
    pdf = renderer(report)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if out:
        out.write_bytes(pdf)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mb": peak_rss_mb(), "bytes": len(pdf)}))


def peak_rss_mb() -> float:
    """This process's peak RSS. ``VmHWM`` belongs to the address space that ``exec`` created, whereas
    ``ru_maxrss`` can carry the forking parent's high-water mark (the parent holds the whole report)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(engine: str, data: Path, runs: int) -> dict[str, float]:
    results = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, __file__, "--child", engine, str(data)], capture_output=True,
                              text=True, check=False)
        if done.returncode:
            return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else f"exit {done.returncode}"}
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {"runs": runs, "seconds": statistics.median(r["seconds"] for r in results),
            "cpu": statistics.median(r["cpu"] for r in results),
            "rss_mb": statistics.median(r["rss_mb"] for r in results), "kb": results[0]["bytes"] / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slow-runs", type=int, default=1, help="runs for WeasyPrint/reportlab above 2,000 rows")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--tenant-name", default="Acme Corp", help="e.g. a CJK name, which loads the CJK font")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "DATA"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.out)
        return
    print(f"{date.today()} · {platform.processor() or platform.machine()} · "
          f"{len(__import__('os').sched_getaffinity(0))} cores · Python {platform.python_version()}")
    print("| rows (vulns + incidents) | engine | runs | render s (median) | CPU s (median) | peak RSS MB | PDF KB |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            report = demo_report("monthly", "Europe/Berlin", "2026-10", vulnerabilities=rows * 3 // 4,
                                 incidents=rows // 4, tenant_name=args.tenant_name)
            data = Path(tmp) / f"report-{rows}.json"
            data.write_text(report.model_dump_json())
            for engine in args.engines:
                runs = args.runs if engine == "fpdf2" or rows <= 2000 else args.slow_runs
                result = measure(engine, data, runs)
                if "error" in result:
                    failed = True
                    print(f"| {rows:,} | {engine} | – | failed: {result['error']} | | | |")
                else:
                    print(f"| {rows:,} | {engine} | {runs} | {result['seconds']:.3f} | {result['cpu']:.3f} | "
                          f"{result['rss_mb']:.0f} | "
                          f"{result['kb']:.0f} |", flush=True)
    if failed:
        sys.exit("a render failed")


if __name__ == "__main__":
    main()
