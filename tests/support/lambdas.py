"""The scheduled and queue-fed Lambdas invoked as AWS invokes them, and the AWS requests they make."""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import boto3

from chalicelib.aws import clients, idempotency
from chalicelib.settings import get_settings
from local.pollers import poll_once
from tests.support.api import Api
from tests.support.clock import FrozenClock
from tests.support.pipeline import Pipeline


def fire(api: Api, handler: str, event_id: str) -> Any:
    """The scheduled Lambda ``handler``, as EventBridge invokes it."""
    event = api.client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
    event["id"] = event_id
    return api.client.lambda_.invoke(handler, event).payload


def run_digest_pass(api: Api, pipeline: Pipeline, frozen_clock: FrozenClock, when: datetime) -> dict[str, int]:
    """The digest pass fired at ``when`` (UTC), then the deliveries it queued run."""
    frozen_clock.moment = when
    outcome: dict[str, int] = fire(api, "digest_pass", f"pass-{when.isoformat()}")
    pipeline.drain()
    return outcome


def run_health_check(api: Api, event_id: str = "evt-1") -> dict[str, int]:
    return fire(api, "health_check", event_id)


def flush_groups(api: Api, frozen_clock: FrozenClock, pipeline: Pipeline) -> None:
    """Past the trigger grouping window: the groups' alerts are sent."""
    frozen_clock.advance(seconds=get_settings().trigger_group_seconds + 1)
    while poll_once(get_settings().trigger_queue, lambda e: api.client.lambda_.invoke("trigger_groups", e).payload):
        pass
    pipeline.drain()


@contextmanager
def aws_requests() -> Iterator[Counter[str]]:
    """Every AWS request the code makes inside the block, by ``service.Operation``."""
    counted: Counter[str] = Counter()

    def hook(model: Any, **_: Any) -> None:
        counted[f"{model.service_model.service_name}.{model.name}"] += 1

    session = boto3._get_default_session()
    session.events.register("before-call", hook)
    clients.reset()  # clients copy the session's hooks when they are made
    idempotency._persistence.cache_clear()
    try:
        yield counted
    finally:
        session.events.unregister("before-call", hook)
        clients.reset()
        idempotency._persistence.cache_clear()
