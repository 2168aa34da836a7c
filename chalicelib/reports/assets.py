"""Risk by asset: which hosts and applications hold the open vulnerabilities at a period's end, with the oldest
and the overdue ones, worst first."""

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import Field

from chalicelib.models.common import Model
from chalicelib.models.security import RISKS, Risk, Vulnerability


class AssetRisk(Model):
    name: str
    open: dict[Risk, int] = Field(description="open at the period's end, by risk")
    oldest_days: int = Field(description="age of its oldest open vulnerability at the period's end")
    overdue: int = Field(description="open past their risk's SLA at the period's end")


def by_asset(vulnerabilities: list[Vulnerability], end: datetime, sla_days: dict[Risk, int],
             asset: Callable[[Vulnerability], str], top: int) -> list[AssetRisk]:
    """The ``top`` assets (named by ``asset``; unnamed ones left out) with a vulnerability open at ``end``: most
    open high-risk first, then medium, low, overdue, then by name."""
    found: dict[str, AssetRisk] = {}
    for vulnerability in vulnerabilities:
        name, since = asset(vulnerability), vulnerability.open_since(end)
        if not name or since is None:  # open at the end: the last change before it opened it
            continue
        row = found.setdefault(name, AssetRisk(name=name, open=dict.fromkeys(RISKS, 0), oldest_days=0, overdue=0))
        row.open[vulnerability.risk] += 1
        row.oldest_days = max(row.oldest_days, (end - since).days)
        row.overdue += end - since > timedelta(days=sla_days[vulnerability.risk])
    ranked = sorted(found.values(), key=lambda row: (*(-row.open[risk] for risk in RISKS), -row.overdue, row.name))
    return ranked[:top]
