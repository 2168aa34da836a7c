"""The delivery worker: one SQS message = one try of one delivery; the messages of a batch share reads and writes.

A batch reads at once its tenants (a deleted one's tombstone → ``skipped``), its integrations (deleted or disabled
→ ``skipped``; read at every try, so a removed address is never retried and an added one gets the mail too) and
which of their addresses are suppressed, and the deliveries themselves, and reserves its SES sends in the account's
per-second counter (sends over ``MaxSendRate`` wait for a later second). Each try is claimed with a conditional
write on the delivery as read (a redelivered message sends nothing twice), and that write also records the try the
batch sent before it, with its hourly request counters; the batch's last try is recorded at its end, then the next
tries are queued. So a worker stopped at any point leaves at most one try "outcome unknown" (dead-lettered, to be
redriven): the one it was sending; the tries before it are recorded and those after it are not claimed yet.

Failures of our own capacity (throttling, quota, SES outages) or setup (sender identity not verified, AccessDenied,
configuration set missing, account paused) neither count against the integration nor spend its retry schedule:
they are retried with a backoff for up to a day, and our setup's are logged at ERROR to page us.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.aws import mailer, queue
from chalicelib.aws.queue import seconds_until
from chalicelib.delivery import outbox, schedule
from chalicelib.delivery.send import send_each
from chalicelib.email.list_headers import MailingList
from chalicelib.email.message import Attachment, Content
from chalicelib.models.deliveries import FINAL_STATUSES, Attempt, Delivery
from chalicelib.models.integrations import Integration
from chalicelib.models.snoozes import Snooze
from chalicelib.observability import count, logger
from chalicelib.settings import get_settings
from chalicelib.snoozes import rules as snoozes
from chalicelib.stores import Stores
from chalicelib.stores.deliveries import DeliveryStore, Keys, Message, Outcome, Pair, Snapshot
from chalicelib.stores.snoozes import SnoozeStore
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
        if attempt.outcome in ("failed", "interrupted"):
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
    """What the batch's reads say about a delivery's try: the delivery as read, why nobody gets it, or who may;
    ``held``: the addresses a snooze or mute holds it back from, each with the log's reason."""

    delivery: Delivery | None
    skip: str | None
    wanted: list[str]
    allowed: list[str]
    listing: MailingList
    held: dict[str, str] = field(default_factory=dict)


def _skip(tenant_live: bool, body: dict[str, Any], integration: Integration | None) -> str | None:
    if not tenant_live:
        return "the tenant was deleted"
    if body.get("to"):  # a notice about the integration itself goes out whatever its state
        return None
    if integration is None:
        return "the integration was deleted"
    if not integration.active:
        return outbox.skipped_while_disabled(integration)
    return None if integration.emails else NO_RECIPIENTS


def _merged(snapshot: Snapshot, more: Snapshot) -> Snapshot:
    return replace(snapshot, integrations=snapshot.integrations | more.integrations,
                   suppressed=snapshot.suppressed | more.suppressed, snoozes=snapshot.snoozes | more.snoozes)


def _expected(body: dict[str, Any]) -> list[str]:
    """The addresses a message names: its fixed recipients, or its integration's when it was queued."""
    return body.get("to") or body.get("addresses", [])


def _plan(body: dict[str, Any], integration_id: str | None, snapshot: Snapshot) -> Plan:
    tenant_id = body["tenant_id"]
    integration = snapshot.integrations.get((tenant_id, integration_id or ""))
    skip = _skip(tenant_id in snapshot.tenants, body, integration)
    wanted = [] if skip else body.get("to") or (integration.emails if integration else [])
    delivery = snapshot.deliveries.get((tenant_id, body["delivery_id"]))
    return Plan(delivery, skip, wanted,
                [address for address in wanted if (tenant_id, address) not in snapshot.suppressed],
                MailingList(tenant_id, integration_id, integration.unsubscribe_key if integration else None,
                            delivery.about if delivery else None))


def _snooze_keys(body: dict[str, Any]) -> set[Pair]:
    """The snoozes that could hold back a message's mail, as far as the message says (its ``about``, its
    integration and the addresses it expects): read with the batch's other reads."""
    if not (body.get("about") and body.get("integration_id")):
        return set()
    return {(body["tenant_id"], snooze) for snooze in snoozes.ids(body["integration_id"], body["about"],
                                                                 _expected(body))}


def _hold(store: SnoozeStore, plans: dict[str, Plan], asked: set[Pair], found: dict[Pair, Snooze],
          now: datetime) -> dict[str, Plan]:
    """The plans with the addresses snoozes hold back taken out of ``allowed``. The batch's read found the
    snoozes its messages named (``asked``); those it could not name (a message queued without ``about``, an
    address its integration gained since) cost one more read per tenant, by key."""
    unread: dict[str, set[str]] = {}
    for plan in plans.values():
        if plan.delivery and plan.delivery.about and plan.allowed:
            delivery = plan.delivery
            for snooze in snoozes.ids(delivery.integration_id, delivery.about, plan.allowed):
                if (delivery.tenant_id, snooze) not in asked:
                    unread.setdefault(delivery.tenant_id, set()).add(snooze)
    found = found | {(tenant_id, s.id): s for tenant_id, keys in unread.items()
                     for s in store.get_many(tenant_id, keys)}
    held_back = {}
    for delivery_id, plan in plans.items():
        delivery = plan.delivery
        if delivery and delivery.about:
            tenants = [snooze for (tenant_id, _), snooze in found.items() if tenant_id == delivery.tenant_id]
            held = snoozes.holding(tenants, delivery.integration_id, delivery.about, plan.allowed, now)
            plan = replace(plan, allowed=[a for a in plan.allowed if a not in held],
                           held={address: snoozes.reason(snooze) for address, snooze in held.items()})
        held_back[delivery_id] = plan
    return held_back


def read_plans(store: DeliveryStore, bodies: list[dict[str, Any]], now: datetime,
               held_by: SnoozeStore | None = None) -> dict[str, Plan]:
    """What each due message's try may do, from the batch's reads in one request: tenants, integrations,
    deliveries and the suppression entries of the addresses the messages name. A message queued before messages
    named their integration costs a second read, an address the integration gained since it was queued a third;
    the snoozes (``held_by``) of mail about a trigger or a vulnerability are read with the rest."""
    due = [body for body in bodies if isinstance(body, dict) and {"tenant_id", "delivery_id", "due"} <= set(body)
           and datetime.fromisoformat(body["due"]) <= now]
    asked = {pair for body in due for pair in _snooze_keys(body)} if held_by else set()
    snapshot = store.read(Keys(
        tenants={body["tenant_id"] for body in due},
        integrations={(body["tenant_id"], body["integration_id"]) for body in due if body.get("integration_id")},
        addresses={(body["tenant_id"], address) for body in due for address in _expected(body)},
        deliveries={(body["tenant_id"], body["delivery_id"]) for body in due},
        snoozes=asked))
    named = {body["delivery_id"]: body.get("integration_id") or getattr(
        snapshot.deliveries.get((body["tenant_id"], body["delivery_id"])), "integration_id", None) for body in due}
    if unnamed := {(body["tenant_id"], found) for body in due
                   if not body.get("integration_id") and (found := named[body["delivery_id"]])}:
        snapshot = _merged(snapshot, store.read(Keys(integrations=unnamed)))
    plans = {body["delivery_id"]: _plan(body, named[body["delivery_id"]], snapshot) for body in due}
    if unread := {(body["tenant_id"], address) for body in due for address in plans[body["delivery_id"]].wanted
                  if address not in _expected(body)}:
        snapshot = _merged(snapshot, store.read(Keys(addresses=unread)))
        plans = {body["delivery_id"]: _plan(body, named[body["delivery_id"]], snapshot) for body in due}
    return _hold(held_by, plans, asked, snapshot.snoozes, now) if held_by else plans


class Batch:
    """The messages of one SQS batch, with what they share: the reads, the SES send reservation, the writes. Each
    claim also records the try sent before it, so at any moment at most one try is claimed and unrecorded."""

    def __init__(self, stores: Stores, plans: dict[str, Plan], now: datetime) -> None:
        self.store, self.queue = stores.deliveries, stores.delivery_queue
        self.plans, self.now = plans, now
        self.messages: list[Message] = []  # next tries and paced ones, queued after the record
        self.sent: list[Outcome] = []
        self.unrecorded: Outcome | None = None  # the last try sent: recorded with the next claim, or by record()
        self._claimed: set[str] = set()
        self._before: int | None = None  # sends reserved in this second before this batch's
        self._used = 0

    @classmethod
    def read(cls, stores: Stores, bodies: list[dict[str, Any]]) -> "Batch":
        now = clock.now()
        return cls(stores, read_plans(stores.deliveries, bodies, now, stores.snoozes), now)

    def process(self, body: dict[str, Any]) -> None:
        """Make try ``body["try"]`` of ``body["delivery_id"]`` if it is due and still wanted."""
        number, now = int(body["try"]), self.now
        if self.queue.chain(body, now):  # later than SQS can delay in one hop
            return
        tenant_id, delivery_id = body["tenant_id"], body["delivery_id"]
        plan = self.plans[delivery_id]
        if plan.skip:
            if self.store.finish(tenant_id, delivery_id, "skipped", now, plan.skip):
                count("DeliveriesSkipped")
                logger.info("delivery skipped", extra={"reason": plan.skip})
            return
        if plan.allowed and not self._fits(body, len(plan.allowed)):
            return
        if delivery_id in self._claimed:
            raise TryInFlight(delivery_id)  # a second message for a try this batch holds
        read = plan.delivery
        if read is None:
            return
        if read.claimed != number - 1 or read.status not in ("queued", "retrying"):
            if read.status not in FINAL_STATUSES and number == read.claimed:
                self._settle_claimed_try(read, body)
            return  # ended, or a stale message of an earlier schedule
        claimed, delivery = self.store.claim(read, number, now, plan.allowed, self.unrecorded)
        self.unrecorded = None
        if not claimed or delivery is None:
            if delivery is not None and delivery.status not in FINAL_STATUSES and number == delivery.claimed:
                self._settle_claimed_try(delivery, body)
            return  # gone, ended, or claimed by another worker since the read
        self._claimed.add(delivery_id)
        logger.append_keys(integration_id=delivery.integration_id)  # dropped after the record (queue.process_batch)
        served = {_key(address) for address in delivery.recipients_sent}
        recipients = [address for address in plan.allowed if _key(address) not in served]
        held = {address: why for address, why in plan.held.items() if _key(address) not in served}
        suppressed = [address for address in plan.wanted if _key(address) not in served
                      and address not in plan.allowed and address not in held]
        if suppressed:
            count("RecipientsSuppressed", len(suppressed))
        if held:
            count("RecipientsSnoozed", len(held))
        if not recipients and not held:
            status = "skipped" if suppressed else "sent"
            why = (f"every address is {suppressions.listed(suppressed)}" if suppressed
                   else "the addresses that had not got it were removed from the integration")
            self.store.finish(tenant_id, delivery_id, status, now, why, claimed=number)
            count("DeliveriesSkipped" if status == "skipped" else "DeliveriesSent")
            logger.info(f"delivery {status}", extra={"reason": why})
            return
        attempts = _send(delivery, recipients, suppressed, number, now, plan.listing) if recipients else []
        attempts += [Attempt(number=number, at=now, outcome="skipped", recipient=address, error=why,
                             suppressed=suppressed) for address, why in held.items()]
        self.unrecorded = self._outcome(delivery, body, attempts, number)
        self.sent.append(self.unrecorded)

    def _fits(self, body: dict[str, Any], sends: int) -> bool:
        """Whether ``sends`` more messages fit this second's share of ``MaxSendRate``; if not, the message is
        queued again for the second they will fit in. The batch reserves all its sends in one write."""
        if self._before is None:
            wanted = sum(len(plan.allowed) for plan in self.plans.values() if not plan.skip)
            self._before = self.store.reserve_sends(self.now, wanted)
        position = self._before + self._used + 1
        self._used += sends
        per_second = max(1, int(mailer.max_send_rate()))
        if position <= per_second:
            return True
        due = clock.shift(self.now.replace(microsecond=0), timedelta(seconds=(position - 1) // per_second))
        self.messages.append(({**body, "due": due.isoformat()}, seconds_until(due, self.now)))
        count("DeliveriesPaced")
        return False

    def _outcome(self, delivery: Delivery, body: dict[str, Any], attempts: list[Attempt],
                 number: int) -> Outcome:
        """The try's new status and next try: recipient-side failures follow the retry schedule; a try that
        failed only for our own capacity waits with a backoff instead, up to a day."""
        error = failures(attempts)
        theirs = sum(recipient_side(attempt) for attempt in attempts)
        counted = (sum(attempt.outcome == "sent" for attempt in attempts) + theirs, theirs)
        if error is None:
            if held := {a.recipient or "?": a.error or "" for a in attempts if a.outcome == "skipped"}:
                return Outcome(delivery, attempts, "skipped", reason=snoozes.skipped(held), counted=counted)
            return Outcome(delivery, attempts, "sent", counted=counted)
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
            return Outcome(delivery, attempts, "dead", None, error, spent, counted)
        next_try = clock.shift(self.now, timedelta(seconds=delay))
        self.messages.append(({**body, "try": number + 1, "due": next_try.isoformat()}, delay))
        return Outcome(delivery, attempts, "retrying", next_try, error, None, counted)

    def _settle_claimed_try(self, delivery: Delivery, body: dict[str, Any]) -> None:
        """A message for the try already claimed: finish what a stopped worker left, or wait for a live one."""
        number, now = delivery.claimed, self.now
        if delivery.status == "retrying" and delivery.next_try_at:
            self.messages.append(({**body, "try": number + 1, "due": delivery.next_try_at.isoformat()},
                                  seconds_until(delivery.next_try_at, now)))
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
        self.store.record([Outcome(delivery, attempts, "dead", error=INTERRUPTED)])
        count("DeliveriesDead")

    def record(self) -> None:
        """The last try sent (with its request counters), then the queued messages."""
        if self.unrecorded:
            self.store.record([self.unrecorded])
            self.unrecorded = None
        self.queue.send(self.messages)
        for done in self.sent:
            self._log(done)

    @staticmethod
    def _log(done: Outcome) -> None:
        log = {"tenant_id": done.delivery.tenant_id, "integration_id": done.delivery.integration_id,
               "delivery_id": done.delivery.id, "try": done.attempts[0].number, "recipients": len(done.attempts)}
        if done.status in ("sent", "skipped"):
            count("DeliveriesSent" if done.status == "sent" else "DeliveriesSkipped")
            logger.info(f"delivery {done.status}", extra={**log, "reason": done.reason})
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


def process(stores: Stores, body: dict[str, Any]) -> None:
    """One message on its own (a batch of one)."""
    batch = Batch.read(stores, [body])
    batch.process(body)
    batch.record()


def handle_batch(stores: Stores, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch → partial batch response, so one bad message never re-runs the others."""
    bodies = []
    for record in event.get("Records", []):
        try:
            bodies.append(json.loads(record["body"]))
        except (KeyError, TypeError, ValueError):
            continue  # reported as failed by its own handling
    batch = Batch.read(stores, bodies)
    return queue.process_batch(event, context, batch.process, after=batch.record)
