"""Background loops of the local stack: the event sources that Chalice's local server lacks.
Each invokes the app's own Lambda handlers through chalice's test client; :mod:`local.workers` runs each loop in a
process of its own."""

import threading
import uuid
from collections.abc import Callable
from typing import Any

from chalice.test import Client

from chalicelib import clock
from chalicelib.aws import tenants_repo
from chalicelib.observability import logger
from chalicelib.settings import get_settings
from local import demo_data
from local.pollers import poll_once

HEALTH_CHECK_SECONDS = 300  # the deployed schedules' rates
REPORT_SCHEDULE_SECONDS = 3600
DIGEST_PASS_SECONDS = 300
DEMO_DAYS = 14

Run = Callable[[threading.Event], None]
"""A loop: works until the event is set, then returns."""


def invoker(lambdas: Client, name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda event: lambdas.lambda_.invoke(name, event).payload


def scheduled_event(lambdas: Client) -> dict[str, Any]:
    event = lambdas.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                             resources=[])
    return {**event, "id": str(uuid.uuid4())}


def queue_poller(lambdas: Client, queue_name: str, handler: str) -> Run:
    """Poll ``queue_name`` and invoke ``handler`` with each batch until stopped."""
    invoke = invoker(lambdas, handler)

    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                poll_once(queue_name, invoke, wait_seconds=1)
            except Exception:
                logger.exception("queue poller failed; polling on", extra={"queue": queue_name})
                stop.wait(1)

    return run


def schedule(lambdas: Client, handler: str, every_seconds: float) -> Run:
    """Fire ``handler`` with a scheduled event now and then every ``every_seconds`` until stopped."""
    invoke = invoker(lambdas, handler)

    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                invoke(scheduled_event(lambdas))
            except Exception:
                logger.exception("scheduled handler failed", extra={"handler": handler})
            stop.wait(every_seconds)

    return run


def seed_demo(demo_tenant_id: str) -> Run:
    """Two weeks of made-up security data, then last week's report (it appears in the outbox)."""
    def run(stop: threading.Event) -> None:
        demo = tenants_repo.get(demo_tenant_id)
        if demo is None:
            return
        now = clock.now()
        demo_data.seed(demo.id, now, demo.timezone, days=DEMO_DAYS, stop=stop)
        if stop.is_set():
            return
        demo_data.first_report(demo, now)
        print("Demo security data seeded; last week's report is on its way to the outbox.")

    return run


def _polling(queue_setting: str, handler: str) -> Callable[[Client, str], Run]:
    return lambda lambdas, _: queue_poller(lambdas, getattr(get_settings(), queue_setting), handler)


def _every(handler: str, seconds: float) -> Callable[[Client, str], Run]:
    return lambda lambdas, _: schedule(lambdas, handler, seconds)


POLLED: dict[str, tuple[str, str]] = {
    "delivery-queue": ("delivery_queue", "delivery_worker"),
    "event-routes": ("route_queue", "event_router"),
    "trigger-groups": ("trigger_queue", "trigger_groups"),
    "report-queue": ("report_queue", "report_worker"),
}
"""Each queue poller: the queue's setting and the function that reads it (``tests/unit/test_local_loops.py`` checks
that these are exactly the app's SQS event sources)."""

LOOPS: dict[str, Callable[[Client, str], Run]] = {
    "demo-data": lambda _, demo_tenant_id: seed_demo(demo_tenant_id),
    **{name: _polling(setting, handler) for name, (setting, handler) in POLLED.items()},
    "health-check": _every("health_check", HEALTH_CHECK_SECONDS),
    "report-scheduler": _every("report_scheduler", REPORT_SCHEDULE_SECONDS),
    "digest-pass": _every("digest_pass", DIGEST_PASS_SECONDS),
}
"""What runs beside the API, by name, standing in for the event sources Chalice's local server lacks: each is built
from the app (behind chalice's test client) and the demo tenant's id."""

CONCURRENCY = {"delivery-queue": 2}
"""Lambda takes a queue's batches concurrently (up to ``DeliveryConcurrency``, 225, for the delivery worker): with two
delivery pollers, another tenant's alert is received while a batch of one tenant's burst is still being sent."""


def processes() -> list[str]:
    """Each loop's name, once per process to run it in."""
    return [name for name in LOOPS for _ in range(CONCURRENCY.get(name, 1))]
