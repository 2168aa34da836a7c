"""Many tenants at once for the cost tests: written straight into the tables in batch writes (the API would take
minutes for 1,000)."""

from chalicelib import clock
from chalicelib.aws import integrations_repo, report_schedules_repo
from chalicelib.aws.clients import table
from chalicelib.integrations.service import new_integration
from chalicelib.models.integrations import DEFAULT_INTEGRATION_EVENTS, Integration
from chalicelib.models.tenants import Tenant
from chalicelib.reports.periods import period_containing
from chalicelib.settings import get_settings


def add_tenants(count: int) -> list[Tenant]:
    """``count`` tenants, each with its default integration (weekly report) and that report's schedule placed
    at the end of the week, as the scheduler leaves it, in batch writes."""
    return [tenant for tenant, _ in _populate(count)]


def default_integrations(count: int) -> list[Integration]:
    """The default integrations of ``count`` tenants made as :func:`add_tenants` makes them."""
    return [integration for _, integration in _populate(count)]


def _populate(count: int) -> list[tuple[Tenant, Integration]]:
    settings, moment = get_settings(), clock.now()
    week_end = report_schedules_repo.stamp(period_containing("weekly", "UTC", moment).end)
    tenants = [Tenant(id=f"t{n:05d}", name=f"Tenant {n}", primary_email=f"sec@t{n}.example", created_at=moment)
               for n in range(count)]
    made = []
    with table(settings.tenants_table).batch_writer() as tenants_batch, \
            table(settings.integrations_table).batch_writer() as integrations_batch, \
            table(settings.reports_table).batch_writer() as schedules_batch:
        for tenant in tenants:
            tenants_batch.put_item(Item={**tenant.model_dump(mode="json"), "admin_tokens": 1})
            integration = new_integration(tenant.id, "Primary email", [tenant.primary_email],
                                          list(DEFAULT_INTEGRATION_EVENTS))
            integrations_batch.put_item(Item=integrations_repo._item(integration))
            made.append((tenant, integration))
            schedules_batch.put_item(Item={"tenant_id": tenant.id, "sk": "schedule#weekly", "due_at": week_end,
                                           "due_shard": report_schedules_repo.shard(tenant.id), "subscription": "-"})
    return made
