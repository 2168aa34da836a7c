"""The one place that joins the domain's store interfaces (``chalicelib.stores``) to their DynamoDB and SQS
implementations (``chalicelib.aws``); the handlers and routes pass :func:`stores` down. Tests build their own
``Stores``."""

from functools import cache

from chalicelib.aws import (
    counters_repo,
    events_repo,
    integrations_repo,
    report_schedules_repo,
    snoozes_repo,
    tenant_store,
)
from chalicelib.aws.deliveries_repo import DynamoDeliveries
from chalicelib.aws.queue import DeliveryMessages
from chalicelib.aws.runs_repo import DynamoRuns
from chalicelib.stores import Stores


@cache
def stores() -> Stores:
    """The AWS set, built once per process (each part reads its resource's name from the settings per call)."""
    return Stores(integrations=integrations_repo, counters=counters_repo, events=events_repo,
                  schedules=report_schedules_repo, tenants=tenant_store, deliveries=DynamoDeliveries(),
                  delivery_queue=DeliveryMessages(), runs=DynamoRuns(), snoozes=snoozes_repo)
