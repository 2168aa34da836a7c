"""Drive the delivery pipeline as Lambda would: real SQS messages from moto, the worker invoked
through chalice's test client, mail read from moto's SES outbox. Time moves only by the clock."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.aws import mailer
from chalicelib.settings import get_settings
from local.outbox import messages
from local.pollers import drain
from tests.support.checks import scan

outbox = messages  # every message moto's SES accepted, parsed


@dataclass
class FlakySes:
    """moto's SES behind a switch: each queued error fails one send with SES's own error shape."""

    failures: list[tuple[str, str]] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)
    calls: int = 0

    def fail_next(self, times: int, code: str = "MessageRejected",
                  message: str = "Email address is not verified.") -> None:
        """The next ``times`` sends fail with SES's ``code``; by default as a bad address does (it counts)."""
        self.failures += [(code, message)] * times

    def reject(self, address: str) -> None:
        """Every message to ``address`` is refused as SES refuses an unverified recipient (sandbox)."""
        self.rejected.add(address)

    def send_raw(self, sender: str, recipients: list[str], raw: bytes) -> str:
        self.calls += 1
        if self.failures:
            code, message = self.failures.pop(0)
            raise mailer.SendError(code, message)
        if refused := [address for address in recipients if address in self.rejected]:
            raise mailer.SendError("MessageRejected", f"Email address is not verified. The following identities "
                                                      f"failed the check in region US-EAST-1: {', '.join(refused)}")
        return self.real(sender, recipients, raw)

    real: Callable[[str, list[str], bytes], str] = mailer.send_raw


@dataclass
class Pipeline:
    client: Any
    clock: Any

    def worker(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.client.lambda_.invoke("delivery_worker", event).payload

    def deliveries(self) -> list[dict[str, Any]]:
        return sorted(scan("deliveries_table"), key=lambda item: item["id"])

    def router(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.client.lambda_.invoke("event_router", event).payload

    def drain(self) -> None:
        """Route the queued events, then run the delivery worker, until both queues are empty; when nothing is due,
        jump the clock to the next try."""
        settings = get_settings()
        while drain(settings.route_queue, self.router, self.jump) + drain(settings.delivery_queue, self.worker,
                                                                             self.jump):
            pass

    def jump(self, moment: datetime) -> None:
        self.clock.moment = max(self.clock.moment, moment)
