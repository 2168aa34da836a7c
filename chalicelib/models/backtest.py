"""A trigger's backtest: how many alerts its condition would have sent over the last days, from stored data."""

from datetime import date, datetime

from pydantic import Field

from chalicelib.models.common import Model


class BacktestDay(Model):
    """Alerts of windows that start on ``date`` (the tenant's zone)."""

    date: date
    alerts: int | None = Field(description="the exact number, or null when the stored data gives only bounds")
    alerts_min: int
    alerts_max: int


class BacktestWindow(Model):
    """A busy stretch of time and its count in the condition's metric (bounds, equal when exact)."""

    start: datetime
    end: datetime
    count_min: int
    count_max: int


class TriggerPreview(Model):
    """What a trigger would have sent over ``[start, end)``: ``alerts`` exactly when the stored hourly data can tell
    (``exact``), else null with the bounds ``alerts_min``..``alerts_max``; ``notes`` say what the data cannot tell."""

    start: datetime
    end: datetime
    timezone: str
    exact: bool
    alerts: int | None
    alerts_min: int
    alerts_max: int
    days: list[BacktestDay]
    busiest: list[BacktestWindow] = Field(description="the busiest windows of the trigger's interval, most first "
                                                      "(for minute windows: the busiest hours, the finest the "
                                                      "stored data has)")
    notes: list[str]
