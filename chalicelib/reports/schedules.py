"""Keeping the report schedules (``aws/report_schedules_repo``) in step with integrations and time zones; the
scheduler itself is ``reports/scheduler.py``. Loaded by every API cold start that saves an integration, so it
imports neither the periods nor the queue.

A new schedule is due at once, so the scheduler's next run finds a period that ended in its look-back window, as
it always has; a time-zone change makes the tenant's schedules due at once, to be placed anew.
"""

from typing import get_args

from chalicelib.aws import integrations_repo, report_schedules_repo, tenants_repo
from chalicelib.models.integrations import Integration
from chalicelib.models.reports import ReportFrequency

FREQUENCIES: tuple[str, ...] = get_args(ReportFrequency)


def _frequencies(integration: Integration | None) -> set[str]:
    if integration is None or not integration.active:
        return set()
    return {frequency for frequency in FREQUENCIES if integration.subscribes(f"report_{frequency}")}


def follow(before: Integration | None, after: Integration | None) -> None:
    """After an integration was created (``before`` ``None``), changed or deleted (``after`` ``None``): its
    report frequencies have a schedule; a frequency it dropped loses its schedule if no other active
    integration of the tenant still takes it."""
    saved = before or after
    if saved is None:
        return
    for frequency in _frequencies(after):
        report_schedules_repo.subscribe(saved.tenant_id, frequency)
    if dropped := _frequencies(before) - _frequencies(after):
        _unschedule(saved.tenant_id, dropped)


def _unschedule(tenant_id: str, frequencies: set[str]) -> None:
    """Remove the schedules nobody takes. The tokens are read before the integrations: a subscription that
    races this one writes its integration, then a new token, so the removal fails or the schedule comes back."""
    tokens = {frequency: report_schedules_repo.subscription(tenant_id, frequency) for frequency in frequencies}
    taken = set().union(*map(_frequencies, integrations_repo.all_for_tenant(tenant_id, consistent=True)))
    for frequency, token in tokens.items():
        if token is not None and frequency not in taken:
            report_schedules_repo.remove(tenant_id, frequency, token)


def replace_schedules(tenant_id: str) -> None:
    """The tenant's time zone changed: its schedules are due now, to be placed anew in the new zone."""
    report_schedules_repo.make_due(tenant_id, FREQUENCIES)


def backfill() -> int:
    """Once, after deploying the due index over existing data: a schedule for every frequency an active
    integration takes (due at once); returns how many integrations were followed. Reads every tenant."""
    followed = 0
    for tenant in tenants_repo.all_tenants():
        for integration in integrations_repo.all_for_tenant(tenant.id):
            follow(None, integration)
            followed += 1
    return followed
