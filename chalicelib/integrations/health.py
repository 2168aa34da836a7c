"""Failure ratio over the last 12 hours, and what it leads to: a warning at 40%, auto-disable at 60%.

The scheduled pass reads only the integrations with failed send requests in the window (the counters'
``failing`` index), so its cost follows the failing integrations, not the number of integrations.

The pass judges every candidate before it acts: when more would be disabled at once than a failure of theirs
explains (:func:`breaker_open`), it disables none and pages us instead.

Test sends never reach the counters, and every message of every try counts as one request (a try sends
each pending recipient a message of its own). Enabling an integration, or changing its addresses, starts a
fresh window: only requests after it count, so the failures that led to the fix cannot disable it again.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.aws import deliveries_repo
from chalicelib.integrations import service
from chalicelib.models.common import MAX_RECIPIENTS
from chalicelib.models.deliveries import Delivery
from chalicelib.models.integrations import Integration
from chalicelib.observability import count, logger
from chalicelib.settings import get_settings
from chalicelib.stores import Stores

HOUR = timedelta(hours=1)
_NEWEST = 5  # deliveries read to find the newest one that was tried
_SUMMARY_PAGES = 5  # at most 500 deliveries read for an auto-disable notice
_ERROR_CHARS = 1000
# the circuit breaker: a pass that would disable more than this many integrations, and this share of those it
# evaluates, is taken for a failure of ours (a misconfiguration no error code revealed) and disables none
BREAKER_COUNT = 5
BREAKER_SHARE = 0.10
BREAKER_METRIC = "AutoDisableCircuitOpen"


@dataclass(frozen=True)
class Ratio:
    total: float
    failed: float
    since: datetime | None = None  # the enable that started a fresh window, if it is inside the window

    @property
    def share(self) -> float:
        return self.failed / self.total if self.total else 0.0

    def describe(self, hours: int) -> str:
        period = (f"since {self.since:%Y-%m-%d %H:%M} UTC (enabled or addresses changed)" if self.since
                  else f"in the last {hours} hours")
        return f"{self.share:.0%} of send requests failed {period} ({self.failed:g} of {self.total:g})"


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def window_ratio(buckets: list[tuple[datetime, int, int]], now: datetime, hours: int,
                 since: datetime | None = None, baseline: tuple[int, int] = (0, 0)) -> Ratio:
    """Sum of hourly buckets over ``(now - hours, now]``; the oldest, partly outside, counts pro rata. A fresh
    window (``since``, an enable inside the window) counts the hours after it, and its own hour less
    ``baseline``, the (total, failed) that hour held before it."""
    start = clock.shift(now, -timedelta(hours=hours))
    if since is not None and since > start:
        total = failed = 0
        for hour, bucket_total, bucket_failed in buckets:
            if hour == _hour(since):
                total, failed = total + bucket_total - baseline[0], failed + bucket_failed - baseline[1]
            elif hour > since:
                total, failed = total + bucket_total, failed + bucket_failed
        return Ratio(max(total, 0), max(failed, 0), since)
    weighted_total = weighted_failed = 0.0
    for hour, bucket_total, bucket_failed in buckets:
        weight = 1.0 if hour >= start else max(0.0, (hour + HOUR - start) / HOUR)
        weighted_total += bucket_total * weight
        weighted_failed += bucket_failed * weight
    return Ratio(round(weighted_total, 6), round(weighted_failed, 6))


def recent_ratio(stores: Stores, integration: Integration, now: datetime) -> Ratio:
    """The integration's failed share of send requests over the last ``failure_window_hours``, or since it was
    last enabled or given new addresses if that is later."""
    hours = get_settings().failure_window_hours
    start, fresh = clock.shift(now, -timedelta(hours=hours)), integration.failure_window_start
    buckets = stores.counters.request_buckets(integration.tenant_id, integration.id, max(start, fresh or start))
    return window_ratio(buckets, now, hours, fresh, integration.failure_window_baseline)


@dataclass(frozen=True)
class Health:
    """What the Integrations list shows about sending: the newest delivery and the failure ratio."""

    status: str
    detail: str | None
    newest: Delivery | None
    ratio: Ratio

    def on(self, integration: Integration) -> Integration:
        """The integration with ``health`` and ``health_detail`` filled in."""
        return integration.model_copy(update={"health": self.status, "health_detail": self.detail})


def assess(stores: Stores, integration: Integration, now: datetime) -> Health:
    """``failing`` as soon as the newest delivery tried since the window restarted did not reach an address the
    integration still has (retrying or dead), or when the failed share reaches the warning ratio; ``disabled``
    when disabled."""
    settings = get_settings()
    newest, _ = deliveries_repo.log_page(integration.tenant_id, integration.id, _NEWEST, None, None)
    fresh = integration.failure_window_start
    tried = next((d for d in newest if d.attempts and (fresh is None or d.updated_at >= fresh)), None)
    current = {address.casefold() for address in integration.emails}
    ratio = recent_ratio(stores, integration, now)
    detail = None
    if (tried and tried.status in ("retrying", "dead") and tried.last_error
            and (not tried.recipients_pending or any(a.casefold() in current for a in tried.recipients_pending))):
        detail = f"the last send failed: {tried.last_error}"
    elif ratio.total >= settings.auto_disable_min_requests and ratio.share >= settings.failure_warning_ratio:
        detail = ratio.describe(settings.failure_window_hours)
    status = "disabled" if not integration.active else "failing" if detail else "ok"
    return Health(status, detail, newest[0] if newest else None, ratio)


def flag(stores: Stores, integration: Integration, now: datetime) -> Integration:
    """The integration with ``health`` and ``health_detail`` filled in."""
    return assess(stores, integration, now).on(integration)


def summarise(deliveries: list[Delivery], start: datetime) -> dict[str, Any]:
    """What the auto-disable notice says about the window from ``start``: the most common SES error, the
    addresses whose last message failed, and how many deliveries were dead-lettered."""
    errors: Counter[str] = Counter()
    last_outcome: dict[str, str] = {}
    attempts = [a for d in deliveries for a in d.attempts if a.at >= start and a.outcome != "interrupted"]
    for attempt in sorted(attempts, key=lambda a: a.at):
        if attempt.outcome == "failed":
            errors[f"{attempt.error_code}: {attempt.error}"] += 1
        if attempt.recipient:
            last_outcome[attempt.recipient] = attempt.outcome
    failing = [address for address, outcome in last_outcome.items() if outcome == "failed"]
    return {  # within IntegrationEventData's limits, so the notice is never rejected
        "error": errors.most_common(1)[0][0][:_ERROR_CHARS] if errors else None,
        "failing_addresses": failing[:MAX_RECIPIENTS],
        "dead_lettered": sum(1 for d in deliveries if d.status == "dead" and d.updated_at >= start),
    }


def _window_deliveries(stores: Stores, integration: Integration, start: datetime) -> list[Delivery]:
    """The integration's deliveries updated in the window, newest first; bounded (a notice, not an audit)."""
    found: list[Delivery] = []
    cursor = None
    for _ in range(_SUMMARY_PAGES):
        items, cursor = deliveries_repo.log_page(integration.tenant_id, integration.id, 100, cursor, None)
        found += [delivery for delivery in items if delivery.updated_at >= start]
        # ids sort by creation; a try is at most an hour after its delivery was created (the schedule)
        if not cursor or (items and items[-1].created_at < clock.shift(start, -HOUR)):
            break
    return found


def verdict(stores: Stores, integration: Integration, now: datetime) -> tuple[str, Ratio] | None:
    """What one integration's ratio calls for: ``("disable", ratio)``, ``("warn", ratio)`` or ``None``."""
    settings = get_settings()
    ratio = recent_ratio(stores, integration, now)
    if ratio.total < settings.auto_disable_min_requests:
        return None
    if ratio.share >= settings.auto_disable_ratio:
        return "disable", ratio
    return ("warn", ratio) if ratio.share >= settings.failure_warning_ratio else None


def breaker_open(disables: int, evaluated: int) -> bool:
    """Whether a pass that would disable ``disables`` of the ``evaluated`` integrations is more likely our own
    failure than theirs: more than ``BREAKER_COUNT`` and more than ``BREAKER_SHARE`` of them at once."""
    return disables > max(BREAKER_COUNT, BREAKER_SHARE * evaluated)


def _disable(stores: Stores, integration: Integration, ratio: Ratio, now: datetime) -> str | None:
    hours = get_settings().failure_window_hours
    reason = f"auto-disabled: {ratio.describe(hours)}"
    start = ratio.since or clock.shift(now, -timedelta(hours=hours))
    details = summarise(_window_deliveries(stores, integration, start), start)
    _, changed = service.disable(stores, integration.tenant_id, integration.id, reason, details)
    if not changed:
        return None
    count("IntegrationsAutoDisabled")
    logger.warning("integration auto-disabled", extra={"tenant_id": integration.tenant_id,
                                                       "integration_id": integration.id, "reason": reason, **details})
    return "disabled"


def _warn(stores: Stores, integration: Integration, ratio: Ratio, now: datetime) -> str | None:
    """The 40% warning to ``system`` subscribers, once per window."""
    hours = get_settings().failure_window_hours
    if not stores.counters.mark_once(f"warned#{integration.tenant_id}#{integration.id}", now, timedelta(hours=hours)):
        return None
    data = {"integration_id": integration.id, "name": integration.name, "reason": ratio.describe(hours)}
    from chalicelib.events import ingest  # the event pipeline: the console's health column needs none of it

    ingest.emit(stores, integration.tenant_id, "integration.degraded", data)
    return "warned"


def check_all(stores: Stores, now: datetime) -> dict[str, int]:
    """The scheduled pass over every active integration that failed enough in the window to reach a threshold.
    It judges them all before acting: when the breaker opens (:func:`breaker_open`) it disables none, and pages."""
    settings = get_settings()
    failing = stores.counters.failing(clock.shift(now, -timedelta(hours=settings.failure_window_hours)))
    # every failure in full, never less than any window (pro rata or fresh) counts: no candidate is missed
    least = min(settings.failure_warning_ratio, settings.auto_disable_ratio) * settings.auto_disable_min_requests
    judged = [key for key, buckets in failing.items() if sum(failed for _, _, failed in buckets) >= least]
    outcomes = {"failing": len(failing), "checked": 0, "disabled": 0, "warned": 0, "held": 0}
    found: list[tuple[Integration, str, Ratio]] = []
    for integration in stores.integrations.get_many(judged):
        if integration.active:
            outcomes["checked"] += 1
            if judgement := verdict(stores, integration, now):
                found.append((integration, *judgement))
    disables = sum(action == "disable" for _, action, _ in found)
    if breaker_open(disables, outcomes["checked"]):
        outcomes["held"] = disables
        count(BREAKER_METRIC)
        logger.error("auto-disable circuit open: too many integrations failing at once to be theirs; none disabled",
                     extra={"would_disable": disables, "evaluated": outcomes["checked"]})
    for integration, action, ratio in found:
        if action == "disable" and outcomes["held"]:
            continue
        with logger.append_context_keys(tenant_id=integration.tenant_id, integration_id=integration.id):
            outcome = (_disable if action == "disable" else _warn)(stores, integration, ratio, now)
        if outcome:
            outcomes[outcome] += 1
    return outcomes
