"""The integration store's contract."""

from datetime import datetime

import pytest

from chalicelib import clock
from chalicelib.errors import Conflict
from chalicelib.models.integrations import Integration
from chalicelib.settings import get_settings
from chalicelib.stores import Stores


def integration(tenant_id: str = "t1", integration_id: str = "i1", name: str = "SOC", **fields: object) -> Integration:
    moment: datetime = clock.now()
    return Integration.model_validate({
        "id": integration_id, "tenant_id": tenant_id, "name": name, "emails": ["soc@acme.example"],
        "events": ["system"], "created_at": moment, "updated_at": moment, "unsubscribe_key": "k", **fields})


class IntegrationStoreContract:
    def test_a_created_integration_reads_back_whole_and_only_for_its_tenant(self, stores: Stores) -> None:
        created = integration(events=["system", "vuln_high"], notifications="daily")
        stores.integrations.create(created)

        assert stores.integrations.get("t1", "i1") == created
        assert stores.integrations.get("t2", "i1") is None
        assert stores.integrations.get_many([("t1", "i1"), ("t2", "i1"), ("t1", "nope")]) == [created]

    def test_a_name_is_unique_per_tenant_case_insensitively(self, stores: Stores) -> None:
        stores.integrations.create(integration())

        with pytest.raises(Conflict) as taken:
            stores.integrations.create(integration(integration_id="i2", name="soc"))
        stores.integrations.create(integration("t2", "i2", "SOC"))

        assert taken.value.details
        assert [i.id for i in stores.integrations.all_for_tenant("t1")] == ["i1"]

    def test_a_tenant_has_at_most_the_cap_and_a_delete_frees_a_place(self, stores: Stores) -> None:
        cap = get_settings().max_integrations_per_tenant
        for n in range(cap):
            stores.integrations.create(integration(integration_id=f"i{n:03}", name=f"n{n}"))

        with pytest.raises(Conflict) as full:
            stores.integrations.create(integration(integration_id="extra", name="extra"))
        assert stores.integrations.delete(stores.integrations.all_for_tenant("t1")[0])
        stores.integrations.create(integration(integration_id="extra", name="extra"))

        assert not full.value.details
        assert len(stores.integrations.all_for_tenant("t1")) == cap

    def test_pages_list_every_integration_of_the_tenant_once(self, stores: Stores) -> None:
        for n in range(5):
            stores.integrations.create(integration(integration_id=f"i{n}", name=f"n{n}"))
        stores.integrations.create(integration("t2", "other", "other"))

        seen, cursor = [], None
        while True:
            items, cursor = stores.integrations.page("t1", 2, cursor)
            seen += [i.id for i in items]
            if cursor is None:
                break

        assert seen == ["i0", "i1", "i2", "i3", "i4"]

    def test_replace_needs_the_version_read_and_moves_the_name(self, stores: Stores) -> None:
        current = integration()
        stores.integrations.create(current)
        stores.integrations.create(integration(integration_id="i2", name="Ops"))
        renamed = current.model_copy(update={"name": "Security", "version": 2})

        stores.integrations.replace(current, renamed)
        with pytest.raises(Conflict) as stale:
            stores.integrations.replace(current, current.model_copy(update={"version": 2}))
        with pytest.raises(Conflict) as taken:
            stores.integrations.replace(renamed, renamed.model_copy(update={"name": "OPS", "version": 3}))
        stores.integrations.create(integration(integration_id="i3", name="soc"))  # the old name is free again

        assert stores.integrations.get("t1", "i1") == renamed
        assert not stale.value.details and taken.value.details

    def test_delete_removes_it_once_and_frees_its_name(self, stores: Stores) -> None:
        created = integration()
        stores.integrations.create(created)

        assert stores.integrations.delete(created)
        assert not stores.integrations.delete(created)
        stores.integrations.create(integration(integration_id="i2"))
        assert stores.integrations.get("t1", "i1") is None
