"""Trend figures: one period's rollup (what a month's end leaves in storage) and the points a report draws."""

from pydantic import Field

from chalicelib.models.common import Model
from chalicelib.models.security import RISKS, Risk


class Rollup(Model):
    """The trend figures of one period (a month, stored once it has ended), as sums so they read back exactly:
    attacks, hits and blocked in the period; the backlog and the overdue count at its end; the fixes counted in
    it (the report's rule: :class:`~chalicelib.reports.content.Moves`), their total time and how many met
    their risk's SLA."""

    key: str = Field(description="the period's key: 2026-11, 2026-W48, 2026-11-24")
    attacks: int = 0
    hits: int = 0
    blocked: int = 0
    backlog: dict[Risk, int] = Field(default_factory=lambda: dict.fromkeys(RISKS, 0))
    overdue: int = 0
    fixed: int = 0
    fix_seconds: int = Field(0, description="the fixes' total time")
    fixed_within_sla: int = 0


class TrendPoint(Model):
    """One period of a trend as a report shows it (the preview's ``trends``): percentages and the mean are
    ``None`` where they have no denominator (no attack, no fix); ``stored`` is false for a month before any data
    was kept (every figure 0)."""

    key: str
    label: str = Field(description="Nov, W48, 24")
    attacks: int
    hits: int
    blocked_percent: float | None
    backlog: dict[Risk, int] = Field(description="open at the period's end, by risk")
    mean_days_to_fix: float | None
    fixed_within_sla_percent: float | None
    overdue: int = Field(description="open past their risk's SLA at the period's end")
    stored: bool = True
