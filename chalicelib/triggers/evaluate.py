"""Triggers at ingest time, and the flush of grouped event alerts.

Threshold triggers: each matching event atomically adds to the trigger's counter for the window of its own time
(not of its receipt; an event later than ``windows.LATENESS`` after its window closed counts nowhere); the one
update whose old/new values cross the threshold fires (exactly once per window, however many workers), with the
breakdown the events up to it wrote (``trigger_windows_repo.itemise``), so the alert describes exactly them.
Event triggers (``api_changed``, ``user_added``): events join the trigger's open group; the event that opens it
queues a flush ``trigger_group_seconds`` later (an SQS delay), and the flush sends one email listing them all.
"""

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.aws import queue, tenants_repo, trigger_windows_repo, triggers_repo
from chalicelib.email import alerts as messages
from chalicelib.models.events import Event
from chalicelib.models.integrations import Integration
from chalicelib.models.tenants import Tenant
from chalicelib.models.triggers import ThresholdCondition, Trigger
from chalicelib.observability import logger
from chalicelib.settings import get_settings
from chalicelib.triggers import alerts, service, windows

# An open group older than its flush time by this much lost its flush message (a crash): queue another.
_RESCUE_AFTER = timedelta(seconds=60)


def evaluate(tenant: Tenant, event: Event, received_at: datetime,
             active: Callable[[], list[Trigger]] | None = None) -> int:
    """Count ``event`` for the tenant's active triggers (``active()``, when a batch of events read them once);
    returns how many fired (threshold) or grouped it."""
    if event.type not in windows.TRIGGER_EVENTS:
        return 0
    acted = 0
    for trigger in active() if active else service.active(tenant.id):
        condition = trigger.condition
        if isinstance(condition, ThresholdCondition):
            acted += _count(tenant, trigger, condition, event, received_at)
        elif windows.GROUPED_EVENTS[condition.type] == event.type:
            _join_group(trigger, event)
            acted += 1
    return acted


def mailed_instead(event: Event, integrations: list[Integration],
                   triggers: Callable[[], list[Trigger]]) -> list[Integration]:
    """Of the integrations subscribed to ``event``, those its subscription mail still goes to: one that an active
    event trigger (a "New user" alert) tells about the same event gets the trigger's alert only, not both."""
    if event.type not in windows.GROUPED_EVENTS.values():
        return integrations
    alerted = {integration_id for trigger in triggers()
               if windows.GROUPED_EVENTS.get(trigger.condition.type) == event.type
               for integration_id in trigger.integration_ids}
    return [integration for integration in integrations if integration.id not in alerted]


def _count(tenant: Tenant, trigger: Trigger, condition: ThresholdCondition, event: Event,
           received_at: datetime) -> int:
    amount = windows.amount(condition, event)
    if not amount or not windows.matches(condition.filters, event):
        return 0
    window = windows.counted_window(condition.interval, event.time, received_at, tenant.timezone)
    if window is None:
        return 0
    start, end = window
    revision = windows.revision(condition)
    old, new, events = trigger_windows_repo.add(tenant.id, trigger.id, revision, start, end, amount)
    if old <= condition.threshold and events <= windows.ITEMISED:  # one of the events that make up the firing
        trigger_windows_repo.itemise(tenant.id, trigger.id, revision, start, end, windows.counted(condition, event))
    if not windows.crossed(condition.threshold, old, new):
        return 0
    tally = trigger_windows_repo.tally(tenant.id, trigger.id, revision, start, new, events,
                                       min(events, windows.ITEMISED))
    content = messages.threshold(trigger, tenant.name, tenant.timezone, tally, start, end)
    alerts.send(trigger, content, f"trigger:{trigger.id}:{revision}:{start.isoformat()}", received_at,
                tenant.timezone)
    return 1


def _join_group(trigger: Trigger, event: Event) -> None:
    settings, now = get_settings(), clock.now()
    wait = timedelta(seconds=settings.trigger_group_seconds)
    entry = messages.entry(event)
    while True:
        group = trigger_windows_repo.append(trigger.tenant_id, trigger.id, entry, str(uuid.uuid4()), now,
                                            settings.trigger_group_max_events)
        if group is not None:
            break
        full = trigger_windows_repo.open_group(trigger.tenant_id, trigger.id)
        if full is not None and trigger_windows_repo.close(trigger.tenant_id, trigger.id, full.group_id, now):
            _queue_flush(trigger, full.group_id, now)
    if group.size == 1:
        _queue_flush(trigger, group.group_id, clock.shift(group.opened_at, wait))
    elif now >= clock.shift(group.opened_at, wait + _RESCUE_AFTER):
        _queue_flush(trigger, group.group_id, now)


def _queue_flush(trigger: Trigger, group_id: str, due: datetime) -> None:
    body = {"tenant_id": trigger.tenant_id, "trigger_id": trigger.id, "group_id": group_id, "due": due.isoformat()}
    queue.send(get_settings().trigger_queue, body, queue.seconds_until(due, clock.now()))


def flush(body: dict[str, Any]) -> int:
    """Send group ``body["group_id"]`` once it is due; a repeated message finds it gone and sends nothing."""
    now = clock.now()
    if queue.chain(get_settings().trigger_queue, body, now):
        return 0
    tenant_id, trigger_id, group_id = body["tenant_id"], body["trigger_id"], body["group_id"]
    group = (trigger_windows_repo.closed_group(tenant_id, trigger_id, group_id)
             or trigger_windows_repo.close(tenant_id, trigger_id, group_id, now))
    if group is None:
        return 0
    trigger, tenant = triggers_repo.get(tenant_id, trigger_id), tenants_repo.get(tenant_id)
    sent = 0
    if trigger is None or tenant is None or not trigger.active:
        logger.info("grouped alert dropped: the trigger was deleted or deactivated",
                    extra={"tenant_id": tenant_id, "trigger_id": trigger_id, "events": group.size})
    else:
        entries = list({row["id"]: row for row in group.entries}.values())  # a re-routed event is listed once
        content = messages.group(trigger, tenant.name, tenant.timezone, entries)
        sent = alerts.send(trigger, content, f"trigger-group:{trigger.id}:{group_id}", group.opened_at,
                           tenant.timezone)
    trigger_windows_repo.drop_closed(tenant_id, trigger_id, group_id)
    return sent


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch of flush messages → partial batch response."""
    return queue.process_batch(event, context, flush)
