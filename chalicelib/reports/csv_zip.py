"""A report's tables as a zip of CSV files: one RFC 4180 file per table (comma, CRLF, fields with a comma,
quote or line break quoted, quotes doubled), UTF-8 without a byte order mark: what RFC 4180 and every CSV library
expect (a spreadsheet that guesses the encoding is told it on import)."""

import csv
import io
import zipfile
from datetime import datetime

from chalicelib.reports.data import Cell, Table


def cell(value: Cell) -> str:
    """How a value is written: ``true``/``false`` as in the JSON, nothing for none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def csv_text(table: Table) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.columns)
    writer.writerows([cell(value) for value in row] for row in table.rows)
    return out.getvalue()


def zipped(tables: list[Table], stem: str, when: datetime) -> bytes:
    """The zip of ``<stem>-<table>.csv`` files, each dated ``when`` (the report's time, so one report's zip is
    the same bytes whenever it is made)."""
    buffer = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            info = zipfile.ZipInfo(f"{stem}-{table.name}.csv", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, csv_text(table).encode("utf-8"))
    return buffer.getvalue()
