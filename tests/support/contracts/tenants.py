"""The tenant store's contract."""

from chalicelib import auth, clock
from chalicelib.models.tenants import Tenant
from chalicelib.stores import Stores
from chalicelib.stores.tenants import Revoked, TokenRecord
from tests.support.contracts.integrations import integration


def tenant(tenant_id: str = "t1") -> Tenant:
    return Tenant(id=tenant_id, name="Acme", primary_email="sec@acme.example", created_at=clock.now())


def token(tenant_id: str = "t1", role: str = "admin", name: str = "first") -> TokenRecord:
    return auth.issue(tenant_id, name, role)[0]


def created(stores: Stores, tenant_id: str = "t1") -> TokenRecord:
    admin = token(tenant_id)
    assert stores.tenants.create(tenant(tenant_id), integration(tenant_id, f"default-{tenant_id}"), admin)
    return admin


class TenantStoreContract:
    def test_a_tenant_is_created_with_its_default_integration_and_admin_token_once(self, stores: Stores) -> None:
        admin = created(stores)

        assert not stores.tenants.create(tenant(), integration("t1", "again", "again"), token())
        assert stores.tenants.get("t1") == tenant()
        assert [i.id for i in stores.integrations.all_for_tenant("t1")] == ["default-t1"]
        assert stores.tenants.token(admin.id) == admin
        assert stores.tenants.state("t1") == "live"

    def test_a_change_keeps_the_other_fields(self, stores: Stores) -> None:
        created(stores)

        changed = stores.tenants.update("t1", {"timezone": "Europe/Berlin"})

        assert changed == tenant().model_copy(update={"timezone": "Europe/Berlin"})
        assert stores.tenants.get("t1") == changed
        assert stores.tenants.update("nope", {"timezone": "UTC"}) is None

    def test_a_deleted_tenant_is_gone_for_readers_writers_and_new_tokens(self, stores: Stores) -> None:
        created(stores)

        assert stores.tenants.tombstone("t1", clock.now())
        assert not stores.tenants.tombstone("t1", clock.now())
        assert stores.tenants.get("t1") is None and stores.tenants.state("t1") == "deleted"
        assert stores.tenants.update("t1", {"name": "Back"}) is None
        assert not stores.tenants.issue_token(token())
        assert stores.tenants.state("never") is None

    def test_purge_removes_the_tokens_and_integrations(self, stores: Stores) -> None:
        admin = created(stores)
        created(stores, "t2")
        stores.tenants.tombstone("t1", clock.now())

        removed = stores.tenants.purge("t1")

        assert removed["tokens"] == 1
        assert stores.tenants.token(admin.id) is None
        assert stores.integrations.all_for_tenant("t1") == []
        assert len(stores.integrations.all_for_tenant("t2")) == 1

    def test_tokens_are_listed_without_secrets_and_the_last_admin_one_is_kept(self, stores: Stores) -> None:
        admin = created(stores)
        viewer, second = token(role="viewer", name="ci"), token(name="second")
        assert stores.tenants.issue_token(viewer) and stores.tenants.issue_token(second)

        listed, _ = stores.tenants.tokens_page("t1", 10, None)
        outcomes = [stores.tenants.revoke_token(viewer), stores.tenants.revoke_token(admin),
                    stores.tenants.revoke_token(second), stores.tenants.revoke_token(viewer)]

        assert sorted(t["id"] for t in listed) == sorted([admin.id, viewer.id, second.id])
        assert all("secret_hash" not in t for t in listed)
        assert outcomes == [Revoked.DONE, Revoked.DONE, Revoked.LAST_ADMIN, Revoked.GONE]
        assert stores.tenants.token(second.id) == second
