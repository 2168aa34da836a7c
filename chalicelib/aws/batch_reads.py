"""What a delivery worker batch reads at once, in one consistent BatchGetItem: its tenants (a tombstone reads as
no tenant), its integrations, the suppression entries of the addresses its messages expect, its deliveries and
the snoozes that could hold its mail back (beside the integrations, in their table)."""

from typing import Any

from chalicelib.aws import integrations_repo, snoozes_repo, suppressions_repo, tenants_repo
from chalicelib.aws.dynamo import batch_get
from chalicelib.models.deliveries import Delivery
from chalicelib.settings import get_settings
from chalicelib.stores.deliveries import Keys, Pair, Snapshot


def _suppression_keys(addresses: set[Pair]) -> list[dict[str, str]]:
    return [{"tenant_id": tenant_id, "email": suppressions_repo.key(address)} for tenant_id, address in addresses]


def _listed(items: list[dict[str, Any]], addresses: set[Pair]) -> set[Pair]:
    listed = {(item["tenant_id"], item["email"]) for item in items}
    return {(tenant_id, address) for tenant_id, address in addresses
            if (tenant_id, suppressions_repo.key(address)) in listed}


def read(keys: Keys) -> Snapshot:
    """The batch's reads. An integration written before unsubscribe keys existed gets its key here, once (its
    mail's unsubscribe links need it)."""
    settings = get_settings()
    found = batch_get({settings.tenants_table: [{"id": tenant_id} for tenant_id in keys.tenants],
                       settings.integrations_table: [integrations_repo.key(*pair) for pair in keys.integrations]
                       + [snoozes_repo.key(*pair) for pair in keys.snoozes],
                       settings.suppressions_table: _suppression_keys(keys.addresses),
                       settings.deliveries_table: [{"tenant_id": tenant_id, "id": delivery_id}
                                                   for tenant_id, delivery_id in keys.deliveries]})
    tenants = {item["id"] for item in found[settings.tenants_table] if tenants_repo.from_item(item) is not None}
    snoozes = [snoozes_repo.from_item(item) for item in found[settings.integrations_table]
               if item["sk"].startswith(snoozes_repo.PREFIX)]
    integrations = [integrations_repo.with_key(integrations_repo.from_item(item))
                    for item in found[settings.integrations_table] if not item["sk"].startswith(snoozes_repo.PREFIX)]
    deliveries = [Delivery.model_validate(item) for item in found[settings.deliveries_table]]
    return Snapshot(tenants, {(integration.tenant_id, integration.id): integration for integration in integrations},
                    _listed(found[settings.suppressions_table], keys.addresses),
                    {(delivery.tenant_id, delivery.id): delivery for delivery in deliveries},
                    {(snooze.tenant_id, snooze.id): snooze for snooze in snoozes})
