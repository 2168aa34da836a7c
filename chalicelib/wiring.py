"""The one place that joins the domain's store interfaces (``chalicelib.stores``) to their DynamoDB implementations
(``chalicelib.aws``); the handlers and routes pass :func:`stores` down. Tests build their own ``Stores``."""

from functools import cache

from chalicelib.aws import counters_repo, events_repo, integrations_repo, report_schedules_repo, tenant_store
from chalicelib.stores import Stores


@cache
def stores() -> Stores:
    """The DynamoDB set, built once per process (each module reads its table name from the settings per call)."""
    return Stores(integrations=integrations_repo, counters=counters_repo, events=events_repo,
                  schedules=report_schedules_repo, tenants=tenant_store)
