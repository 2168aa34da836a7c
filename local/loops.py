"""Background loops of the local stack: the event sources that Chalice's local server lacks.
Each invokes the app's own Lambda handlers through chalice's test client."""

import threading
import uuid
from collections.abc import Callable
from typing import Any

from chalice.test import Client

from chalicelib.observability import logger
from local.pollers import poll_once


def invoker(lambdas: Client, name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda event: lambdas.lambda_.invoke(name, event).payload


def scheduled_event(lambdas: Client) -> dict[str, Any]:
    event = lambdas.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                             resources=[])
    return {**event, "id": str(uuid.uuid4())}


def queue_poller(lambdas: Client, queue_name: str, handler: str) -> Callable[[threading.Event], None]:
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


def schedule(lambdas: Client, handler: str, every_seconds: float) -> Callable[[threading.Event], None]:
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
