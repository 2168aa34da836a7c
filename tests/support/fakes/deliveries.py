"""The deliveries store and the delivery queue in memory: the same contract as ``aws/deliveries_repo.py``
(tests/support/contracts/deliveries.py proves it), for unit tests of the worker's decisions."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.models.deliveries import Attempt, Delivery
from chalicelib.models.integrations import Integration
from chalicelib.models.snoozes import Snooze
from chalicelib.stores.deliveries import Keys, Message, Outcome, Pair, Snapshot


@dataclass
class FakeDeliveries:
    """Deliveries by ``(tenant_id, id)``, plus what a worker batch reads beside them: live tenants,
    integrations, suppressed addresses and snoozes; the request counters by ``(tenant_id, integration_id)``."""

    deliveries: dict[Pair, Delivery] = field(default_factory=dict)
    tenants: set[str] = field(default_factory=set)
    integrations: dict[Pair, Integration] = field(default_factory=dict)
    suppressed: set[Pair] = field(default_factory=set)  # (tenant_id, case-folded address)
    snoozes: dict[Pair, Snooze] = field(default_factory=dict)  # (tenant_id, id): the snooze store's rows
    requests: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (tenant, integration, total|failed)
    sends: Counter[datetime] = field(default_factory=Counter)

    def create_all(self, deliveries: list[Delivery]) -> list[bool]:
        created = []
        for delivery in deliveries:
            new = (delivery.tenant_id, delivery.id) not in self.deliveries
            if new:
                self.deliveries[delivery.tenant_id, delivery.id] = delivery.model_copy(deep=True)
            created.append(new)
        return created

    def get(self, tenant_id: str, delivery_id: str) -> Delivery | None:
        found = self.deliveries.get((tenant_id, delivery_id))
        return found.model_copy(deep=True) if found else None

    def log_page(self, tenant_id: str, integration_id: str, limit: int, cursor: str | None,
                 status: str | None) -> tuple[list[Delivery], str | None]:
        rows = sorted((d for (tenant, _), d in self.deliveries.items() if tenant == tenant_id
                       and d.integration_id == integration_id and (cursor is None or d.id < cursor)),
                      key=lambda d: d.id, reverse=True)
        page = rows[:limit]
        more = len(rows) > limit
        return [d.model_copy(deep=True) for d in page if status in (None, d.status)], page[-1].id if more else None

    def restart(self, delivery: Delivery, at: datetime) -> bool:
        return self._change(delivery.tenant_id, delivery.id, lambda d: d.status in ("dead", "skipped"),
                            status="queued", claimed=0, updated_at=at, next_try_at=at, reason=None)

    def read(self, keys: Keys) -> Snapshot:
        for pair in keys.integrations & set(self.integrations):
            integration = self.integrations[pair]
            if not integration.unsubscribe_key:  # as on DynamoDB: one written before keys existed gets one
                self.integrations[pair] = integration.model_copy(update={"unsubscribe_key": f"key-{pair[1]}"})
        return Snapshot(keys.tenants & self.tenants,
                        {pair: self.integrations[pair] for pair in keys.integrations if pair in self.integrations},
                        {(tenant, address) for tenant, address in keys.addresses
                         if (tenant, address.strip().casefold()) in self.suppressed},
                        {pair: self.get(*pair) for pair in keys.deliveries if pair in self.deliveries},
                        {pair: self.snoozes[pair].model_copy(deep=True) for pair in keys.snoozes
                         if pair in self.snoozes})

    def reserve_sends(self, at: datetime, wanted: int) -> int:
        second = at.replace(microsecond=0)
        self.sends[second] += wanted
        return self.sends[second] - wanted

    def claim(self, delivery: Delivery, number: int, at: datetime, recipients: list[str],
              recording: Outcome | None = None) -> tuple[bool, Delivery | None]:
        if recording is not None:
            self.record([recording])
        claimed = self._change(delivery.tenant_id, delivery.id, lambda d: d.claimed == number - 1 and d.status in (
            "queued", "retrying") and len(d.attempts) == len(delivery.attempts),
            claimed=number, claimed_at=at, status="sending", updated_at=at, recipients_pending=recipients)
        return claimed, self.get(delivery.tenant_id, delivery.id)

    def record(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            stored = self.deliveries[outcome.delivery.tenant_id, outcome.delivery.id]
            attempts: list[Attempt] = outcome.attempts
            stored.attempts = [*stored.attempts, *attempts]
            stored.status = outcome.status  # type: ignore[assignment]
            stored.updated_at = attempts[0].at
            stored.next_try_at, stored.last_error, stored.reason = outcome.next_try_at, outcome.error, outcome.reason
            stored.recipients_pending = [a.recipient for a in attempts if a.outcome != "sent" and a.recipient]
            stored.recipients_sent = [*stored.recipients_sent, *(a.recipient for a in attempts
                                                                  if a.outcome == "sent" and a.recipient)]
            pair = (stored.tenant_id, stored.integration_id)
            self.requests[(*pair, "total")] += outcome.counted[0]
            self.requests[(*pair, "failed")] += outcome.counted[1]

    def finish(self, tenant_id: str, delivery_id: str, status: str, at: datetime, reason: str,
               claimed: int = 0) -> bool:
        def holds(d: Delivery) -> bool:
            return d.claimed == claimed and d.status == "sending" if claimed else d.status in ("queued", "retrying")
        return self._change(tenant_id, delivery_id, holds, status=status, updated_at=at, reason=reason,
                            next_try_at=None)

    def _change(self, tenant_id: str, delivery_id: str, condition: Any, **changes: Any) -> bool:
        """A conditional write: ``changes`` only if the delivery exists and ``condition`` holds for it."""
        stored = self.deliveries.get((tenant_id, delivery_id))
        if stored is None or not condition(stored):
            return False
        self.deliveries[tenant_id, delivery_id] = stored.model_copy(update=changes)
        return True


@dataclass
class FakeQueue:
    """The delivery queue: what was sent, with its delay."""

    sent: list[Message] = field(default_factory=list)

    def send(self, messages: list[Message]) -> None:
        self.sent += messages

    def chain(self, body: dict[str, Any], now: datetime) -> bool:
        due = datetime.fromisoformat(body["due"])
        if due <= now:
            return False
        self.sent.append((body, int((due - now).total_seconds())))
        return True
