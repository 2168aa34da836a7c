"""Keeping the report schedules (``stores.schedules``) in step with integrations and time zones; the
scheduler itself is ``reports/scheduler.py``. Loaded by every API cold start that saves an integration, so it
imports neither the periods nor the queue.

A new schedule is due at once, so the scheduler's next run finds a period that ended in its look-back window, as
it always has; a time-zone change makes the tenant's schedules due at once, to be placed anew. The deploy's data
migration (``tenants/upgrade.py``) gives schedules to data from before them (:func:`restore`).
"""

from typing import get_args

from chalicelib.aws import report_schedules_repo, reports_repo
from chalicelib.models.integrations import Integration
from chalicelib.models.reports import Report, ReportFrequency
from chalicelib.stores import Stores

FREQUENCIES: tuple[str, ...] = get_args(ReportFrequency)


def _taken(integration: Integration | None) -> set[tuple[str, int]]:
    """The (frequency, report hour) schedules an integration needs; SLA reminders ride the weekly one
    (``reports/reminders.py``)."""
    if integration is None or not integration.active:
        return set()
    return {(frequency, integration.report_hour) for frequency in FREQUENCIES
            if integration.subscribes(f"report_{frequency}") or (frequency == "weekly" and integration.sla_reminders)}


def follow(stores: Stores, before: Integration | None, after: Integration | None) -> None:
    """After an integration was created (``before`` ``None``), changed or deleted (``after`` ``None``): its
    report frequencies have a schedule at its report hour; a (frequency, hour) it dropped loses its schedule if no
    other active integration of the tenant still takes it."""
    saved = before or after
    if saved is None:
        return
    for frequency, hour in _taken(after):
        stores.schedules.subscribe(saved.tenant_id, frequency, hour=hour)
    if dropped := _taken(before) - _taken(after):
        _unschedule(stores, saved.tenant_id, dropped)


def _unschedule(stores: Stores, tenant_id: str, dropped: set[tuple[str, int]]) -> None:
    """Remove the schedules nobody takes. The tokens are read before the integrations: a subscription that
    races this one writes its integration, then a new token, so the removal fails or the schedule comes back."""
    tokens = {pair: stores.schedules.subscription(tenant_id, *pair) for pair in dropped}
    taken = set().union(*map(_taken, stores.integrations.all_for_tenant(tenant_id, consistent=True)))
    for (frequency, hour), token in tokens.items():
        if token is not None and (frequency, hour) not in taken:
            stores.schedules.remove(tenant_id, frequency, token, hour=hour)


def replace_schedules(stores: Stores, tenant_id: str) -> None:
    """The tenant's time zone changed: its schedules are due now, to be placed anew in the new zone."""
    stores.schedules.make_due(tenant_id, FREQUENCIES)


def restore(tenant_id: str, integrations: list[Integration]) -> None:
    """The data migration's step (``tenants/upgrade.py``) for a tenant stored before the due index: a schedule for
    every frequency its active integrations take. A missing one is due at the end of the period after the tenant's
    newest report of that frequency, so the scheduler owes every period since (``scheduler.CATCH_UP`` at most), or
    at once (its look-back) if none of the newest 100 reports is one; an existing one keeps its time."""
    taken = set().union(*map(_taken, integrations))
    if not taken:
        return
    from chalicelib.reports.periods import period_containing, report_time  # the migration's alone

    newest: dict[str, Report] = {}
    for report in reports_repo.page(tenant_id, 100, None)[0]:
        if not report.partial:
            newest.setdefault(report.frequency, report)
    for frequency, hour in sorted(taken):
        last = newest.get(frequency)
        following = period_containing(last.frequency, last.timezone, last.period_end) if last else None
        first_due = report_time(following, hour) if following else None
        report_schedules_repo.subscribe(tenant_id, frequency, first_due, hour)
