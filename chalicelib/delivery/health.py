"""Failure ratio over the last 12 hours, and what it leads to: a warning at 40%, auto-disable at 60%.

Test sends never reach the counters, and every try of a delivery counts as one request.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import clock
from chalicelib.aws import counters_repo, integrations_repo
from chalicelib.integrations import service
from chalicelib.models import Integration
from chalicelib.observability import count, logger
from chalicelib.settings import get_settings

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Ratio:
    total: float
    failed: float

    @property
    def share(self) -> float:
        return self.failed / self.total if self.total else 0.0

    def describe(self, hours: int) -> str:
        return (f"{self.share:.0%} of send requests failed in the last {hours} hours "
                f"({self.failed:g} of {self.total:g})")


def window_ratio(buckets: list[tuple[datetime, int, int]], now: datetime, hours: int) -> Ratio:
    """Sum of hourly buckets over ``(now - hours, now]``; the oldest, partly outside, counts pro rata."""
    start = clock.shift(now, -timedelta(hours=hours))
    total = failed = 0.0
    for hour, bucket_total, bucket_failed in buckets:
        weight = 1.0 if hour >= start else max(0.0, (hour + HOUR - start) / HOUR)
        total += bucket_total * weight
        failed += bucket_failed * weight
    return Ratio(round(total, 6), round(failed, 6))


def recent_ratio(integration: Integration, now: datetime) -> Ratio:
    """The integration's failed share of send requests over the last ``failure_window_hours``."""
    hours = get_settings().failure_window_hours
    buckets = counters_repo.request_buckets(integration.tenant_id, integration.id,
                                              clock.shift(now, -timedelta(hours=hours)))
    return window_ratio(buckets, now, hours)


def check(integration: Integration, now: datetime) -> str | None:
    """Act on one integration's ratio; returns ``"disabled"``, ``"warned"`` or ``None``."""
    settings = get_settings()
    hours = settings.failure_window_hours
    ratio = recent_ratio(integration, now)
    if ratio.total < settings.auto_disable_min_requests:
        return None
    if ratio.share >= settings.auto_disable_ratio:
        reason = f"auto-disabled: {ratio.describe(hours)}"
        _, changed = service.disable(integration.tenant_id, integration.id, reason)
        if changed:
            count("IntegrationsAutoDisabled")
            logger.warning("integration auto-disabled", extra={"tenant_id": integration.tenant_id,
                                                               "integration_id": integration.id, "reason": reason})
            return "disabled"
        return None
    warn_key = f"warned#{integration.tenant_id}#{integration.id}"
    if ratio.share >= settings.failure_warning_ratio and counters_repo.mark_once(warn_key, now,
                                                                                timedelta(hours=hours)):
        data = {"integration_id": integration.id, "name": integration.name, "reason": ratio.describe(hours)}
        from chalicelib.events import ingest  # the event pipeline: the console's health column needs none of it

        ingest.emit(integration.tenant_id, "integration.degraded", data)
        return "warned"
    return None


def check_all(now: datetime) -> dict[str, int]:
    """The scheduled pass over every active integration."""
    outcomes = {"checked": 0, "disabled": 0, "warned": 0}
    for integration in integrations_repo.all_active():
        outcomes["checked"] += 1
        with logger.append_context_keys(tenant_id=integration.tenant_id, integration_id=integration.id):
            outcome = check(integration, now)
        if outcome:
            outcomes[outcome] += 1
    return outcomes
