"""The delivery worker: one SQS message = one try of one delivery.

Before every try it re-reads the tenant and the integration (deleted or disabled → ``skipped``), claims the try
with a conditional write (a redelivered message sends nothing twice), sends each address that has not
got it yet a message of its own with SES, records each outcome and the hourly request counters (one
request per message), and while an address is still pending queues the next try of the schedule.
"""

import math
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.aws import counters_repo, deliveries_repo, integrations_repo, queue, tenants_repo
from chalicelib.delivery import outbox
from chalicelib.delivery.schedule import delay_after
from chalicelib.email import mailer
from chalicelib.email.message import Attachment, Content
from chalicelib.models.deliveries import FINAL_STATUSES, Attempt, Delivery
from chalicelib.observability import count, logger
from chalicelib.settings import get_settings
from chalicelib.suppressions import service as suppressions

INTERRUPTED = ("the worker stopped during this try, so it is unknown whether the email went out; "
               "redrive the delivery to send it again")


class TryInFlight(Exception):
    """Another worker holds a fresh claim on this try; let SQS bring the message back later."""


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))


def _key(address: str) -> str:
    return address.casefold()


def _recipients(delivery: Delivery) -> tuple[list[str] | None, list[str], str | None]:
    """Who gets this try — the addresses that have not got it yet — and which are left out as suppressed,
    or why nobody gets it. The integration is read now, so a removed address is never retried and an
    added or corrected one gets the mail too."""
    if tenants_repo.get(delivery.tenant_id) is None:  # its tombstone: the purge of its rows may still be running
        return None, [], "the tenant was deleted"
    if delivery.bypass_active and delivery.recipients:
        wanted = delivery.recipients
    else:
        integration = integrations_repo.get(delivery.tenant_id, delivery.integration_id)
        if integration is None:
            return None, [], "the integration was deleted"
        if not integration.active:
            return None, [], outbox.skipped_while_disabled(integration)
        wanted = integration.emails
    served = {_key(address) for address in delivery.recipients_sent}
    wanted = [address for address in wanted if _key(address) not in served]
    if not wanted:
        return [], [], None
    allowed, suppressed = suppressions.split(delivery.tenant_id, wanted)
    if not allowed:
        return None, suppressed, f"every address is {suppressions.listed(suppressed)}"
    return allowed, suppressed, None


def _attachments(delivery: Delivery) -> tuple[Attachment, ...]:
    if not delivery.attachment_key:
        return ()
    from chalicelib.aws import blobs  # only report deliveries need S3

    return (Attachment(delivery.attachment_key.rpartition("/")[2], blobs.get(delivery.attachment_key)),)


def _send(delivery: Delivery, recipients: list[str], suppressed: list[str], number: int,
          now: datetime) -> list[Attempt]:
    """One message per recipient; an attempt record for each, naming the address and SES's answer."""
    content = Content(delivery.subject, delivery.html, delivery.text, _attachments(delivery))
    tags = mailer.ses_headers(tenant_id=delivery.tenant_id, integration_id=delivery.integration_id,
                              delivery_id=delivery.id)
    return [Attempt(number=number, at=now, recipient=outcome.recipient, suppressed=suppressed,
                    **({"outcome": "sent", "message_id": outcome.message_id} if outcome.error is None else
                       {"outcome": "failed", "error_code": outcome.error.code, "error": outcome.error.message}))
            for outcome in mailer.send_each(recipients, content, delivery.id, tags)]


def failures(attempts: list[Attempt]) -> str | None:
    """The failed messages of a try in words, identical errors once: ``<SES error> — a@x, b@x``."""
    grouped: dict[str, list[str]] = {}
    for attempt in attempts:
        if attempt.outcome != "sent":
            grouped.setdefault(attempt.error or "", []).append(attempt.recipient or "?")
    return "; ".join(f"{error} — {', '.join(addresses)}" for error, addresses in grouped.items()) or None


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
    # whoever was in flight may or may not have got it: never resent on our own, the redrive is the user's call
    in_flight: list[str | None] = [*delivery.recipients_pending] or [None]
    attempts = [Attempt(number=number, at=now, outcome="interrupted", recipient=address, error_code="Interrupted",
                        error=INTERRUPTED) for address in in_flight]
    deliveries_repo.finish_attempt(delivery, attempts, "dead", None, INTERRUPTED)
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
    if not recipients:
        status = "skipped" if recipients is None else "sent"
        why = why_not or "the addresses that had not got it were removed from the integration"
        deliveries_repo.finish(delivery, status, now, why)
        count("DeliveriesSkipped" if status == "skipped" else "DeliveriesSent")
        logger.info(f"delivery {status}", extra={"reason": why})
        return
    if not deliveries_repo.claim(delivery, number, now, recipients):
        return
    attempts = _send(delivery, recipients, suppressed, number, now)
    error = failures(attempts)
    counters_repo.count_requests(delivery.tenant_id, delivery.integration_id, now, len(attempts),
                                 sum(attempt.outcome == "failed" for attempt in attempts))
    log = {"tenant_id": delivery.tenant_id, "integration_id": delivery.integration_id,
           "delivery_id": delivery.id, "try": number, "recipients": len(attempts)}
    if error is None:
        deliveries_repo.finish_attempt(delivery, attempts, "sent", None, None)
        count("DeliveriesSent")
        logger.info("delivery sent", extra=log)
        return
    count("DeliveriesFailed")
    delay = delay_after(number)
    if delay is None:
        deliveries_repo.finish_attempt(delivery, attempts, "dead", None, error, "the retry schedule is spent")
        count("DeliveriesDead")
        logger.warning("delivery dead", extra={**log, "error": error})
        return
    next_try = clock.shift(now, timedelta(seconds=delay))
    deliveries_repo.finish_attempt(delivery, attempts, "retrying", next_try, error)
    queue.send_delivery(delivery.tenant_id, delivery.id, number + 1, next_try.isoformat(), delay)
    count("DeliveriesRetried")
    logger.info("delivery will be retried", extra={**log, "delay": delay, "error": error})


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch → partial batch response, so one bad message never re-runs the others."""
    return queue.process_batch(event, context, process)
