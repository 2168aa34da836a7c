"""The delivery worker: one SQS message = one try of one delivery.

Before every try it re-reads the tenant and the integration (deleted or disabled → ``skipped``), claims the try
with a conditional write (a redelivered message sends nothing twice), sends with SES, records the
outcome and the hourly request counters, and on failure queues the next try of the schedule.
"""

import math
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.aws import counters_repo, deliveries_repo, integrations_repo, queue, tenants_repo
from chalicelib.delivery.schedule import delay_after
from chalicelib.email import mailer
from chalicelib.email.message import Attachment, Content, build
from chalicelib.models import FINAL_STATUSES, Attempt, Delivery
from chalicelib.observability import count, logger
from chalicelib.settings import get_settings
from chalicelib.suppressions import service as suppressions

INTERRUPTED = ("the worker stopped during this try, so it is unknown whether the email went out; "
               "redrive the delivery to send it again")


class TryInFlight(Exception):
    """Another worker holds a fresh claim on this try; let SQS bring the message back later."""


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))


def _recipients(delivery: Delivery) -> tuple[list[str] | None, list[str], str | None]:
    """Who gets this try and which addresses are left out as suppressed, or why nobody gets it."""
    if tenants_repo.get(delivery.tenant_id) is None:  # its tombstone: the purge of its rows may still be running
        return None, [], "the tenant was deleted"
    if delivery.bypass_active and delivery.recipients:
        wanted = delivery.recipients
    else:
        integration = integrations_repo.get(delivery.tenant_id, delivery.integration_id)
        if integration is None:
            return None, [], "the integration was deleted"
        if not integration.active:
            return None, [], f"the integration is disabled ({integration.disabled_reason or 'manual'})"
        wanted = integration.emails
    allowed, suppressed = suppressions.split(delivery.tenant_id, wanted)
    if not allowed:
        return None, suppressed, f"every address is {suppressions.listed(suppressed)}"
    return allowed, suppressed, None


def _attachments(delivery: Delivery) -> tuple[Attachment, ...]:
    if not delivery.attachment_key:
        return ()
    from chalicelib.aws import blobs  # only report deliveries need S3

    return (Attachment(delivery.attachment_key.rpartition("/")[2], blobs.get(delivery.attachment_key)),)


def _send(delivery: Delivery, recipients: list[str], suppressed: list[str], number: int, now: datetime) -> Attempt:
    settings = get_settings()
    content = Content(delivery.subject, delivery.html, delivery.text, _attachments(delivery))
    tags = mailer.ses_headers(tenant_id=delivery.tenant_id, integration_id=delivery.integration_id,
                              delivery_id=delivery.id)
    raw = build(settings.sender_email, settings.product_name, recipients, content, delivery.id, tags)
    try:
        message_id = mailer.send_raw(settings.sender_email, recipients, raw)
    except mailer.SendError as error:
        return Attempt(number=number, at=now, outcome="failed", error_code=error.code, error=error.message,
                       suppressed=suppressed)
    return Attempt(number=number, at=now, outcome="sent", message_id=message_id, suppressed=suppressed)


def _settle_claimed_try(delivery: Delivery, number: int, now: datetime) -> None:
    """A message for the try already claimed: finish what a stopped worker left, or wait for a live one."""
    if delivery.status == "retrying" and delivery.next_try_at:
        queue.send_delivery(delivery.tenant_id, delivery.id, number + 1, delivery.next_try_at.isoformat(),
                            _seconds_until(delivery.next_try_at, now))
        return
    if delivery.status != "sending":
        return
    lease = timedelta(seconds=get_settings().claim_lease_seconds)
    if delivery.claimed_at and clock.shift(delivery.claimed_at, lease) > now:
        raise TryInFlight(delivery.id)
    attempt = Attempt(number=number, at=now, outcome="interrupted", error_code="Interrupted", error=INTERRUPTED)
    deliveries_repo.finish_attempt(delivery, attempt, "dead", None, INTERRUPTED)
    count("DeliveriesDead")


def process(body: dict[str, Any]) -> None:
    """Make try ``body["try"]`` of ``body["delivery_id"]`` if it is due and still wanted."""
    number, now = int(body["try"]), clock.now()
    delivery = deliveries_repo.get(body["tenant_id"], body["delivery_id"])
    if delivery is None or delivery.status in FINAL_STATUSES:
        return
    logger.append_keys(integration_id=delivery.integration_id)  # dropped after the record (queue.process_batch)
    due = datetime.fromisoformat(body["due"])
    if due > now:  # longer than SQS can delay in one hop: chain
        queue.send_delivery(delivery.tenant_id, delivery.id, number, body["due"], _seconds_until(due, now))
        return
    if number == delivery.claimed:
        _settle_claimed_try(delivery, number, now)
        return
    if number != delivery.claimed + 1:
        return  # a stale message of an earlier schedule
    recipients, suppressed, why_not = _recipients(delivery)
    if suppressed:
        count("RecipientsSuppressed", len(suppressed))
    if recipients is None:
        deliveries_repo.finish(delivery, "skipped", now, why_not or "")
        count("DeliveriesSkipped")
        logger.info("delivery skipped", extra={"reason": why_not})
        return
    if not deliveries_repo.claim(delivery, number, now):
        return
    attempt = _send(delivery, recipients, suppressed, number, now)
    counters_repo.count_request(delivery.tenant_id, delivery.integration_id, now, attempt.outcome == "sent")
    log = {"tenant_id": delivery.tenant_id, "integration_id": delivery.integration_id,
           "delivery_id": delivery.id, "try": number}
    if attempt.outcome == "sent":
        deliveries_repo.finish_attempt(delivery, attempt, "sent", None)
        count("DeliveriesSent")
        logger.info("delivery sent", extra=log)
        return
    count("DeliveriesFailed")
    delay = delay_after(number)
    if delay is None:
        deliveries_repo.finish_attempt(delivery, attempt, "dead", None, "the retry schedule is spent")
        count("DeliveriesDead")
        logger.warning("delivery dead", extra={**log, "error": attempt.error})
        return
    next_try = clock.shift(now, timedelta(seconds=delay))
    deliveries_repo.finish_attempt(delivery, attempt, "retrying", next_try)
    queue.send_delivery(delivery.tenant_id, delivery.id, number + 1, next_try.isoformat(), delay)
    count("DeliveriesRetried")
    logger.info("delivery will be retried", extra={**log, "delay": delay, "error": attempt.error})


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch → partial batch response, so one bad message never re-runs the others."""
    return queue.process_batch(event, context, process)
