"""A report's tables as data: the rows the PDF lays out, as named columns of plain values.

Pure: built from the :class:`~chalicelib.reports.content.ReportData` the PDF is drawn from, so the CSV zip, the
JSON and the PDF of one report never disagree. Times are ISO 8601 in the tenant's zone (with its offset).
"""

from datetime import datetime
from typing import NamedTuple

from chalicelib.models.report_data import EndpointRecord, IncidentRecord, SourceIpRecord, VulnerabilityRecord
from chalicelib.models.security import OPEN
from chalicelib.reports.attacks import Ranked
from chalicelib.reports.content import IncidentRow, ReportData, VulnerabilityRow

Cell = str | int | bool | None


class Table(NamedTuple):
    name: str  # the CSV's name in the zip (``<name>.csv``) and the key under ``data`` in JSON
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]

    def records(self) -> list[dict[str, Cell]]:
        """The rows as JSON objects, one key per column."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


# the JSON records' fields are the columns: the rows below are built in that order
VULNERABILITY_COLUMNS = tuple(VulnerabilityRecord.model_fields)
INCIDENT_COLUMNS = tuple(IncidentRecord.model_fields)
SOURCE_IP_COLUMNS = tuple(SourceIpRecord.model_fields)
ENDPOINT_COLUMNS = tuple(EndpointRecord.model_fields)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _vulnerability(row: VulnerabilityRow) -> tuple[Cell, ...]:
    """``age_days``: open at the period's end, for how long; ``fix_days``: fixed in the period, how long it took
    (the PDF's one "days" column, split by what it means)."""
    still_open = row.status in OPEN
    return (row.id, row.title, row.risk, row.host, row.target, row.status, _time(row.detected), _time(row.fixed),
            _time(row.reopened), row.days if still_open else None,
            row.days if row.status == "closed" else None, _time(row.due), row.overdue)


def _incident(row: IncidentRow, in_period: bool) -> tuple[Cell, ...]:
    return (row.id, _time(row.time), row.risk, row.title, row.host, row.attack_type, row.status, in_period)


def _source_ip(ranked: Ranked) -> tuple[Cell, ...]:
    """The PDF's label ``203.0.113.7 (DE)`` as the address and its note (country code, or internal)."""
    ip, _, note = ranked.name.partition(" (")
    return ip, note.removesuffix(")"), ranked.attacks, ranked.hits


def tables(report: ReportData) -> list[Table]:
    """The report's tables in the order the PDF shows them: vulnerabilities (every row, at the period's end),
    incidents (those of the period, then those begun before it and still not resolved), the top source IPs and
    the top endpoints."""
    incidents = [_incident(row, True) for row in report.incident_rows]
    incidents += [_incident(row, False) for row in report.open_before]
    return [
        Table("vulnerabilities", VULNERABILITY_COLUMNS, [_vulnerability(row) for row in report.vulnerabilities]),
        Table("incidents", INCIDENT_COLUMNS, incidents),
        Table("source_ips", SOURCE_IP_COLUMNS, [_source_ip(ranked) for ranked in report.top_ips]),
        Table("endpoints", ENDPOINT_COLUMNS, [(r.name, r.attacks, r.hits) for r in report.top_endpoints]),
    ]


def as_json(report_tables: list[Table]) -> dict[str, list[dict[str, Cell]]]:
    """``{"vulnerabilities": [{"id": …}, …], "incidents": […], …}``."""
    return {table.name: table.records() for table in report_tables}

