"""The delivery worker: one SQS message = one try of one delivery; the messages of a batch share reads and writes.

A batch reads at once its tenants (a deleted one's tombstone → ``skipped``), its integrations (deleted or disabled
→ ``skipped``; read at every try, so a removed address is never retried and an added one gets the mail too) and
which of their addresses are suppressed, and reserves its SES sends in the account's per-second counter (sends
over ``MaxSendRate`` wait for a later second). Each try is claimed with a conditional write that returns the
delivery (a redelivered message sends nothing twice); each address that has not got it yet gets a message of its
own; then one transaction records every try's outcome with the hourly request counters, and the next tries are
queued. Failures of our own capacity (throttling, quota, SES outages) or setup (sender identity not verified,
AccessDenied, configuration set missing, account paused) neither count against the integration nor spend its
retry schedule: they are retried with a backoff for up to a day, and our setup's are logged at ERROR to page us.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.aws import batch_reads, counters_repo, deliveries_repo, integrations_repo, mailer, queue
from chalicelib.aws.dynamo import transact_retrying
from chalicelib.delivery import outbox, schedule
from chalicelib.delivery.send import send_each
from chalicelib.email.list_headers import MailingList
from chalicelib.email.message import Attachment, Content
from chalicelib.models.deliveries import FINAL_STATUSES, Attempt, Delivery
from chalicelib.models.integrations import Integration
from chalicelib.observability import count, logger
from chalicelib.settings import get_settings
from chalicelib.suppressions import service as suppressions

INTERRUPTED = ("the worker stopped during this try, so it is unknown whether the email went out; "
               "redrive the delivery to send it again")
OUR_CAPACITY = ("SES kept refusing for a reason on our side (sending capacity, an outage or the sender's "
                "configuration) for 24 hours")
MISCONFIGURED_METRIC = "SendsRefusedForOurSetup"
NO_RECIPIENTS = ("the integration has no recipients left (they unsubscribed or were removed); add an address, "
                 "then redrive this delivery")


class TryInFlight(Exception):
    """Another worker holds a fresh claim on this try; let SQS bring the message back later."""


def _key(address: str) -> str:
    return address.casefold()


def _attachments(delivery: Delivery) -> tuple[Attachment, ...]:
    """A report's PDF, and its CSV zip when the integration takes the data; each named by its key's last part."""
    keys = [(key, mime) for key, mime in ((delivery.attachment_key, "application/pdf"),
                                          (delivery.data_key, "application/zip")) if key]
    if not keys:
        return ()
    from chalicelib.aws import blobs  # only report deliveries need S3

    return tuple(Attachment(key.rpartition("/")[2], blobs.get(key), mime) for key, mime in keys)


def _send(delivery: Delivery, recipients: list[str], suppressed: list[str], number: int,
          now: datetime, listing: MailingList) -> list[Attempt]:
    """One message per recipient; an attempt record for each, naming the address and SES's answer."""
    content = Content(delivery.subject, delivery.html, delivery.text, _attachments(delivery), delivery.thread,
                      severity=delivery.severity)
    tags = {"tenant_id": delivery.tenant_id, "integration_id": delivery.integration_id, "delivery_id": delivery.id}
    return [Attempt(number=number, at=now, recipient=outcome.recipient, suppressed=suppressed,
                    **({"outcome": "sent", "message_id": outcome.message_id} if outcome.error is None else
                       {"outcome": "failed", "error_code": outcome.error.code, "error": outcome.error.message}))
            for outcome in send_each(recipients, content, tags, delivery.id, listing=listing)]


def failures(attempts: list[Attempt]) -> str | None:
    """The failed messages of a try in words, identical errors once: ``<SES error> — a@x, b@x``."""
    grouped: dict[str, list[str]] = {}
    for attempt in attempts:
        if attempt.outcome != "sent":
            grouped.setdefault(attempt.error or "", []).append(attempt.recipient or "?")
    return "; ".join(f"{error} — {', '.join(addresses)}" for error, addresses in grouped.items()) or None


def recipient_side(attempt: Attempt) -> bool:
    """A failed message the recipient's side caused (a rejected or bad address): it counts against the
    integration; our capacity's failures (throttling, quota, SES outages) and our setup's do not."""
    return attempt.outcome == "failed" and not mailer.sender_side(attempt.error_code, attempt.error)


def _this_schedule(delivery: Delivery, number: int) -> list[Attempt]:
    """The attempts of the current schedule's earlier tries (a redrive starts again from try 1)."""
    tail: list[Attempt] = []
    for attempt in reversed(delivery.attempts):
        if attempt.number >= number:
            break
        tail.append(attempt)
    return tail[::-1]


@dataclass(frozen=True)
class Plan:
    """What the batch's reads say about a delivery's try: why nobody gets it, or who may."""

    skip: str | None
    wanted: list[str]
    allowed: list[str]
    listing: MailingList


@dataclass(frozen=True)
class Recorded:
    """A claimed try, sent: what the batch's transaction writes for it."""

    delivery: Delivery
    attempts: list[Attempt]
    status: str
    next_try_at: datetime | None
    error: str | None
    reason: str | None
    counted: tuple[int, int]  # (requests, failed) for the integration's failure ratio


class Batch:
    """The messages of one SQS batch, with what they share: reads, the SES send reservation, the writes."""

    def __init__(self, bodies: list[dict[str, Any]]) -> None:
        self.now = clock.now()
        self.messages: list[tuple[dict[str, Any], int]] = []  # next tries and paced ones, queued after the record
        self.recorded: list[Recorded] = []
        self._before: int | None = None  # sends reserved in this second before this batch's
        self._used = 0
        due = [body for body in bodies if isinstance(body, dict) and {"tenant_id", "delivery_id", "due"} <= set(body)
               and datetime.fromisoformat(body["due"]) <= self.now]
        integration_ids = {body["delivery_id"]: body.get("integration_id") or self._integration_id(body)
                           for body in due}
        reads = batch_reads.read(
            {body["tenant_id"] for body in due},
            {(body["tenant_id"], found) for body in due if (found := integration_ids[body["delivery_id"]])},
            {(body["tenant_id"], address) for body in due for address in body.get("to") or body.get("addresses", [])})
        suppressed = set(reads.suppressed)
        wanted: dict[str, tuple[str, list[str]]] = {}
        skips: dict[str, str | None] = {}
        listings: dict[str, MailingList] = {}
        keyed: dict[str, Integration] = {}
        for body in due:
            tenant_id, delivery_id = body["tenant_id"], body["delivery_id"]
            integration = reads.integrations.get((tenant_id, integration_ids[delivery_id]))
            skips[delivery_id] = ("the tenant was deleted" if tenant_id not in reads.tenants
                                  else None if body.get("to") else "the integration was deleted" if integration is None
                                  else outbox.skipped_while_disabled(integration) if not integration.active
                                  else None if integration.emails else NO_RECIPIENTS)
            if integration is not None and not skips[delivery_id]:  # its unsubscribe links need its key
                integration = keyed.get(integration.id) or integrations_repo.with_key(integration)
                keyed[integration.id] = integration
            listings[delivery_id] = MailingList(tenant_id, integration_ids[delivery_id],
                                                integration.unsubscribe_key if integration else None)
            wanted[delivery_id] = (tenant_id, [] if skips[delivery_id] else body.get("to") or integration.emails)
            if not body.get("to") and set(wanted[delivery_id][1]) - set(body.get("addresses", [])):
                # addresses added since the message was queued: their suppression entries were not read
                suppressed |= batch_reads.suppressed({(tenant_id, address) for address in wanted[delivery_id][1]})
        self.plans = {delivery_id: Plan(skips[delivery_id], addresses,
                                        [a for a in addresses if (tenant_id, a) not in suppressed],
                                        listings[delivery_id])
                      for delivery_id, (tenant_id, addresses) in wanted.items()}

    @staticmethod
    def _integration_id(body: dict[str, Any]) -> str | None:
        """A message queued before messages named their integration: read it from the delivery."""
        delivery = deliveries_repo.get(body["tenant_id"], body["delivery_id"])
        return delivery.integration_id if delivery else None

    def process(self, body: dict[str, Any]) -> None:
        """Make try ``body["try"]`` of ``body["delivery_id"]`` if it is due and still wanted."""
        number, now = int(body["try"]), self.now
        if queue.chain(get_settings().delivery_queue, body, now):  # later than SQS can delay in one hop
            return
        tenant_id, delivery_id = body["tenant_id"], body["delivery_id"]
        plan = self.plans[delivery_id]
        if plan.skip:
            if deliveries_repo.finish(tenant_id, delivery_id, "skipped", now, plan.skip):
                count("DeliveriesSkipped")
                logger.info("delivery skipped", extra={"reason": plan.skip})
            return
        if plan.allowed and not self._fits(body, len(plan.allowed)):
            return
        claimed, delivery = deliveries_repo.claim(tenant_id, delivery_id, number, now, plan.allowed)
        if not claimed:
            if delivery is not None and delivery.status not in FINAL_STATUSES and number == delivery.claimed:
                self._settle_claimed_try(delivery, body)
            return  # gone, ended, or a stale message of an earlier schedule
        logger.append_keys(integration_id=delivery.integration_id)  # dropped after the record (queue.process_batch)
        served = {_key(address) for address in delivery.recipients_sent}
        recipients = [address for address in plan.allowed if _key(address) not in served]
        suppressed = [address for address in plan.wanted if _key(address) not in served
                      and address not in plan.allowed]
        if suppressed:
            count("RecipientsSuppressed", len(suppressed))
        if not recipients:
            status = "skipped" if suppressed else "sent"
            why = (f"every address is {suppressions.listed(suppressed)}" if suppressed
                   else "the addresses that had not got it were removed from the integration")
            deliveries_repo.finish(tenant_id, delivery_id, status, now, why, claimed=number)
            count("DeliveriesSkipped" if status == "skipped" else "DeliveriesSent")
            logger.info(f"delivery {status}", extra={"reason": why})
            return
        attempts = _send(delivery, recipients, suppressed, number, now, plan.listing)
        self.recorded.append(self._outcome(delivery, body, attempts, number))

    def _fits(self, body: dict[str, Any], sends: int) -> bool:
        """Whether ``sends`` more messages fit this second's share of ``MaxSendRate``; if not, the message is
        queued again for the second they will fit in. The batch reserves all its sends in one write."""
        if self._before is None:
            wanted = sum(len(plan.allowed) for plan in self.plans.values() if not plan.skip)
            self._before = counters_repo.take_sends(self.now, wanted)
        position = self._before + self._used + 1
        self._used += sends
        per_second = max(1, int(mailer.max_send_rate()))
        if position <= per_second:
            return True
        due = clock.shift(self.now.replace(microsecond=0), timedelta(seconds=(position - 1) // per_second))
        self.messages.append(({**body, "due": due.isoformat()}, queue.seconds_until(due, self.now)))
        count("DeliveriesPaced")
        return False

    def _outcome(self, delivery: Delivery, body: dict[str, Any], attempts: list[Attempt],
                 number: int) -> Recorded:
        """The try's new status and next try: recipient-side failures follow the retry schedule; a try that
        failed only for our own capacity waits with a backoff instead, up to a day."""
        error = failures(attempts)
        theirs = sum(recipient_side(attempt) for attempt in attempts)
        counted = (sum(attempt.outcome == "sent" for attempt in attempts) + theirs, theirs)
        if error is None:
            return Recorded(delivery, attempts, "sent", None, None, None, counted)
        earlier = _this_schedule(delivery, number)
        if theirs:
            delay = schedule.delay_after(1 + len({a.number for a in earlier if recipient_side(a)}))
            spent = "the retry schedule is spent"
        else:
            waits = 1 + len({a.number for a in earlier if a.outcome == "failed"} -
                            {a.number for a in earlier if recipient_side(a)})
            delay = schedule.sender_delay(waits, earlier[0].at if earlier else self.now, self.now)
            spent = OUR_CAPACITY
        if delay is None:
            return Recorded(delivery, attempts, "dead", None, error, spent, counted)
        next_try = clock.shift(self.now, timedelta(seconds=delay))
        self.messages.append(({**body, "try": number + 1, "due": next_try.isoformat()}, delay))
        return Recorded(delivery, attempts, "retrying", next_try, error, None, counted)

    def _settle_claimed_try(self, delivery: Delivery, body: dict[str, Any]) -> None:
        """A message for the try already claimed: finish what a stopped worker left, or wait for a live one."""
        number, now = delivery.claimed, self.now
        if delivery.status == "retrying" and delivery.next_try_at:
            self.messages.append(({**body, "try": number + 1, "due": delivery.next_try_at.isoformat()},
                                  queue.seconds_until(delivery.next_try_at, now)))
            return
        if delivery.status != "sending":
            return
        lease = timedelta(seconds=get_settings().claim_lease_seconds)
        if delivery.claimed_at and clock.shift(delivery.claimed_at, lease) > now:
            raise TryInFlight(delivery.id)
        # whoever was in flight may or may not have got it: never resent on our own, the redrive is the user's call
        served = {_key(address) for address in delivery.recipients_sent}
        in_flight: list[str | None] = [a for a in delivery.recipients_pending if _key(a) not in served] or [None]
        attempts = [Attempt(number=number, at=now, outcome="interrupted", recipient=address,
                            error_code="Interrupted", error=INTERRUPTED) for address in in_flight]
        deliveries_repo.finish_attempt(delivery, attempts, "dead", None, INTERRUPTED)
        count("DeliveriesDead")

    def record(self) -> None:
        """Every sent try's outcome and the request counters in one transaction, then the queued messages."""
        if self.recorded:
            counters: dict[tuple[str, str], tuple[int, int]] = {}
            for done in self.recorded:
                pair = (done.delivery.tenant_id, done.delivery.integration_id)
                total, failed = counters.get(pair, (0, 0))
                counters[pair] = (total + done.counted[0], failed + done.counted[1])
            transact_retrying(
                [deliveries_repo.finish_attempt_op(done.delivery, done.attempts, done.status, done.next_try_at,
                                                   done.error, done.reason) for done in self.recorded]
                + [op for (tenant_id, integration_id), (total, failed) in counters.items() if total
                   for op in counters_repo.count_requests_ops(tenant_id, integration_id, self.now, total, failed)])
        queue.send_deliveries(self.messages)
        for done in self.recorded:
            self._log(done)

    @staticmethod
    def _log(done: Recorded) -> None:
        log = {"tenant_id": done.delivery.tenant_id, "integration_id": done.delivery.integration_id,
               "delivery_id": done.delivery.id, "try": done.attempts[0].number, "recipients": len(done.attempts)}
        if done.status == "sent":
            count("DeliveriesSent")
            logger.info("delivery sent", extra=log)
            return
        count("DeliveriesFailed")
        if ours := [a for a in done.attempts if a.outcome == "failed" and mailer.misconfigured(a.error_code, a.error)]:
            count(MISCONFIGURED_METRIC, len(ours))  # paged: no integration is blamed, nothing mends it but us
            logger.error("SES refused the send for our own setup; the delivery waits until it is fixed",
                         extra={**log, "error": f"{ours[0].error_code}: {ours[0].error}"})
        if done.status == "dead":
            count("DeliveriesDead")
            logger.warning("delivery dead", extra={**log, "error": done.error, "reason": done.reason})
            return
        count("DeliveriesRetried")
        logger.info("delivery will be retried", extra={**log, "next_try_at": done.next_try_at, "error": done.error})


def process(body: dict[str, Any]) -> None:
    """One message on its own (a batch of one)."""
    batch = Batch([body])
    batch.process(body)
    batch.record()


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch → partial batch response, so one bad message never re-runs the others."""
    bodies = []
    for record in event.get("Records", []):
        try:
            bodies.append(json.loads(record["body"]))
        except (KeyError, TypeError, ValueError):
            continue  # reported as failed by its own handling
    batch = Batch(bodies)
    return queue.process_batch(event, context, batch.process, after=batch.record)
