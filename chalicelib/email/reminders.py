"""The weekly SLA reminder: the vulnerabilities open past their risk's SLA, most overdue first, in the tenant's zone."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from chalicelib.email import severity
from chalicelib.email.compose import compose
from chalicelib.email.message import Content
from chalicelib.models.security import RISKS, Risk

SUBJECT = "Overdue vulnerabilities — weekly reminder"  # one subject per series: its mails thread


class Overdue(Protocol):
    """A listed vulnerability (``reports.content.VulnerabilityRow`` is one): ``days`` open, ``due`` in the tenant's
    zone."""

    @property
    def risk(self) -> Risk: ...
    @property
    def title(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def days(self) -> int | None: ...
    @property
    def due(self) -> datetime | None: ...


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _late(by: timedelta | None) -> str:
    return "less than a day" if by is None or by.days < 1 else _plural(by.days, "day")


def summary(rows: Sequence[Overdue]) -> str:
    """``3 vulnerabilities past their SLA: 1 high, 2 medium``: the preheader an inbox shows beside the subject."""
    risks = Counter(row.risk for row in rows)
    by_risk = ", ".join(f"{risks[risk]} {risk}" for risk in RISKS if risks[risk])
    noun = "vulnerability" if len(rows) == 1 else "vulnerabilities"
    return f"{len(rows)} {noun} past their SLA: {by_risk}"


def mail(tenant_name: str, rows: Sequence[Overdue], moment: datetime, timezone: str,
         sla_days: dict[str, int]) -> Content:
    """The reminder of the ``rows`` (at least one) overdue at ``moment``; dates in ``timezone``."""
    local = moment.astimezone(ZoneInfo(timezone))
    listed = [{"risk": row.risk, "title": row.title, "host": row.host or "—", "age": _plural(row.days or 0, "day"),
               "due": f"{row.due:%Y-%m-%d}" if row.due else "",
               "late": _late(moment - row.due if row.due else None)} for row in rows]
    content = compose("sla_reminder", SUBJECT, tenant_name, f"As of {local:%Y-%m-%d %H:%M %Z}", summary=summary(rows),
                      headline="Vulnerabilities past their SLA", rows=listed, timezone=timezone, sla_days=sla_days)
    return replace(content, severity=severity.of_overdue(row.risk for row in rows))
