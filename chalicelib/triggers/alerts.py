"""Send a trigger's alert to its active integrations through the delivery pipeline, and note the outcome."""

from dataclasses import replace
from datetime import datetime

from chalicelib import clock
from chalicelib.aws import integrations_repo, triggers_repo
from chalicelib.delivery import outbox
from chalicelib.digests import collect
from chalicelib.email import severity, threads
from chalicelib.email.message import Content
from chalicelib.models.events import alert_type
from chalicelib.models.integrations import Integration
from chalicelib.models.snoozes import about_trigger
from chalicelib.models.triggers import Trigger
from chalicelib.observability import count, logger


def _why_nothing(trigger: Trigger, chosen: list[Integration]) -> str:
    if not chosen:
        return "nothing sent: none of its integrations exists any more"
    disabled = ", ".join(f"{i.name} ({i.disabled_reason or 'manual'})" for i in chosen)
    return f"nothing sent: all its integrations are disabled: {disabled}"


def _outcome(targets: list[Integration], instant: set[str]) -> str:
    """``sent to 1 integration: SOC; gathered into the digest of 1: Ops``."""
    parts = []
    for verb, group in (("sent to", [i for i in targets if i.id in instant]),
                        ("gathered into the digest of", [i for i in targets if i.id not in instant])):
        if group:
            parts.append(f"{verb} {len(group)} integration{'' if len(group) == 1 else 's'}: "
                         f"{', '.join(i.name for i in group)}")
    return "; ".join(parts)


def send(trigger: Trigger, content: Content, source_id: str, created_at: datetime, timezone: str = "UTC") -> int:
    """One ``alert`` delivery per active integration of the trigger (idempotent on ``source_id``), so retries,
    the delivery log and auto-disable apply; a disabled one gets a ``skipped`` row saying so. Returns the number
    of deliveries queued; an integration that takes a digest gathers the alert instead (``digests.collect``, periods
    in the tenant's ``timezone``)."""
    known = {integration.id: integration for integration in integrations_repo.all_for_tenant(trigger.tenant_id)}
    chosen = [known[integration_id] for integration_id in trigger.integration_ids if integration_id in known]
    targets = [integration for integration in chosen if integration.active]
    event_type = alert_type(trigger.condition.type)
    content = replace(content, thread=threads.trigger(trigger.tenant_id, trigger.id),
                      severity=severity.of_event(event_type, trigger.condition.model_dump()),
                      about=about_trigger(trigger.id))
    instant = collect.divert(trigger.tenant_id, timezone, [outbox.Target(
        integration, skipped=None if integration.active else outbox.skipped_while_disabled(integration))
        for integration in chosen], content, source_id, "alert", event_type, created_at)
    if instant:
        outbox.enqueue_all(instant, content, created_at, source_id, kind="alert", event_type=event_type)
    outcome = _outcome(targets, {target.integration.id for target in instant}) if targets \
        else _why_nothing(trigger, chosen)
    triggers_repo.record_firing(trigger.tenant_id, trigger.id, clock.now(), outcome)
    count("TriggersFired")
    log = logger.info if targets else logger.warning
    log("trigger fired", extra={"tenant_id": trigger.tenant_id, "trigger_id": trigger.id, "source_id": source_id,
                                "outcome": outcome})
    return len(targets)
