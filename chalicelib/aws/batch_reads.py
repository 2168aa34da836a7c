"""What a delivery worker batch reads at once: its tenants (a tombstone reads as no tenant), its integrations and
the suppression entries of the addresses its messages expect, in one BatchGetItem; the entries of addresses
the integrations gained since, in another."""

from dataclasses import dataclass
from typing import Any

from chalicelib.aws import integrations_repo, suppressions_repo, tenants_repo
from chalicelib.aws.dynamo import batch_get
from chalicelib.models.integrations import Integration
from chalicelib.models.tenants import Tenant
from chalicelib.settings import get_settings


def _suppression_keys(addresses: set[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"tenant_id": tenant_id, "email": suppressions_repo.key(address)} for tenant_id, address in addresses]


def _listed(items: list[dict[str, Any]], addresses: set[tuple[str, str]]) -> set[tuple[str, str]]:
    listed = {(item["tenant_id"], item["email"]) for item in items}
    return {(tenant_id, address) for tenant_id, address in addresses
            if (tenant_id, suppressions_repo.key(address)) in listed}


@dataclass(frozen=True)
class Reads:
    tenants: dict[str, Tenant]  # the live ones
    integrations: dict[tuple[str, str], Integration]  # by (tenant_id, integration_id), those that exist
    suppressed: set[tuple[str, str]]  # (tenant_id, address) of the expected addresses that are suppressed


def read(tenant_ids: set[str], integrations: set[tuple[str, str]], expected: set[tuple[str, str]]) -> Reads:
    """Tenants, integrations and which of the ``expected`` ``(tenant_id, address)`` pairs are suppressed."""
    settings = get_settings()
    found = batch_get({settings.tenants_table: [{"id": tenant_id} for tenant_id in tenant_ids],
                       settings.integrations_table: [integrations_repo.key(*pair) for pair in integrations],
                       settings.suppressions_table: _suppression_keys(expected)})
    tenants = {item["id"]: tenant for item in found[settings.tenants_table]
               if (tenant := tenants_repo.from_item(item)) is not None}
    read = [integrations_repo.from_item(item) for item in found[settings.integrations_table]]
    return Reads(tenants, {(integration.tenant_id, integration.id): integration for integration in read},
                 _listed(found[settings.suppressions_table], expected))


def suppressed(addresses: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of the ``(tenant_id, address)`` pairs are on their tenant's suppression list."""
    if not addresses:
        return set()
    name = get_settings().suppressions_table
    return _listed(batch_get({name: _suppression_keys(addresses)})[name], addresses)
