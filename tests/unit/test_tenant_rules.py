"""The tenants service's rules on fakes: a tenant is created whole, keeps an admin token, and its deletion stops it
at once and purges its data, repeatably."""

from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.auth import Caller
from chalicelib.errors import Conflict, NotFound
from chalicelib.models.integrations import DEFAULT_INTEGRATION_EVENTS
from chalicelib.models.tenants import TenantCreate, TenantUpdate
from chalicelib.models.tokens import TokenCreate
from chalicelib.stores import Stores
from chalicelib.tenants import service
from tests.support.fakes import fake_stores
from tests.support.fakes.schedules import FakeSchedules
from tests.support.fakes.tenants import FakeTenants


@pytest.fixture
def stores() -> Stores:
    return fake_stores()


def acme(stores: Stores) -> Caller:
    created = service.create_tenant(stores, TenantCreate(name="Acme", primary_email="sec@acme.io",
                                                         timezone="Europe/Berlin"))
    return Caller(created.tenant.id, "admin", "first")


def test_a_tenant_starts_with_a_default_integration_to_its_primary_email_an_admin_token_and_its_schedule(
        stores: Stores) -> None:
    caller = acme(stores)

    [default] = stores.integrations.all_for_tenant(caller.tenant_id)
    tokens, _ = stores.tenants.tokens_page(caller.tenant_id, 10, None)
    assert (default.name, default.emails, tuple(default.events)) == (
        "Primary email", ["sec@acme.io"], DEFAULT_INTEGRATION_EVENTS)
    assert [(t["name"], t["role"]) for t in tokens] == [("first admin token", "admin")]
    assert stores.schedules.subscription(caller.tenant_id, "weekly") is not None
    assert service.get_tenant(stores, caller).timezone == "Europe/Berlin"


def test_the_last_admin_token_is_kept_and_another_tenants_token_is_not_found(stores: Stores) -> None:
    caller = acme(stores)
    other = acme(stores)
    [first] = [t["id"] for t in stores.tenants.tokens_page(caller.tenant_id, 10, None)[0]]
    viewer = service.create_token(stores, caller, TokenCreate(name="ci", role="viewer"))

    with pytest.raises(Conflict):
        service.delete_token(stores, caller, first)
    with pytest.raises(NotFound):
        service.delete_token(stores, other, viewer.id)
    service.delete_token(stores, caller, viewer.id)
    second = service.issue_admin_token(stores, caller.tenant_id)
    service.delete_token(stores, caller, first)

    assert [t.id for t in service.list_tokens(stores, caller, 10, None).items] == [second.id]


def test_a_time_zone_change_makes_the_schedules_due_and_a_partial_sla_keeps_the_rest(stores: Stores) -> None:
    caller = acme(stores)
    schedules = stores.schedules
    assert isinstance(schedules, FakeSchedules)
    schedules.due[caller.tenant_id, "weekly"] = clock.now() + timedelta(days=3)

    changed = service.update_tenant(stores, caller, TenantUpdate.model_validate({"sla_days": {"high": 3}}))
    moved = service.update_tenant(stores, caller, TenantUpdate(timezone="Asia/Kolkata"))

    assert changed.sla_days.model_dump() == {"high": 3, "medium": 30, "low": 90}
    assert schedules.due[caller.tenant_id, "weekly"] is None  # due now, to be placed in the new zone
    assert moved.timezone == "Asia/Kolkata" and moved.sla_days.high == 3


def test_deleting_a_tenant_stops_it_at_once_purges_its_data_and_can_be_repeated(stores: Stores) -> None:
    caller = acme(stores)
    kept = acme(stores)
    tenants = stores.tenants
    assert isinstance(tenants, FakeTenants)

    service.delete_tenant(stores, caller.tenant_id)
    service.delete_tenant(stores, caller.tenant_id)  # an interrupted purge is finished

    assert tenants.purged == [caller.tenant_id, caller.tenant_id]
    assert stores.tenants.state(caller.tenant_id) == "deleted"
    assert stores.integrations.all_for_tenant(caller.tenant_id) == []
    assert stores.tenants.tokens_page(caller.tenant_id, 10, None)[0] == []
    with pytest.raises(NotFound):
        service.get_tenant(stores, caller)
    with pytest.raises(NotFound):
        service.issue_admin_token(stores, caller.tenant_id)
    assert service.get_tenant(stores, kept).name == "Acme" and len(stores.integrations.all_for_tenant(kept.tenant_id))


def test_deleting_a_tenant_that_never_existed_is_not_found_and_purges_nothing(stores: Stores) -> None:
    tenants = stores.tenants
    assert isinstance(tenants, FakeTenants)

    with pytest.raises(NotFound):
        service.delete_tenant(stores, "nope")

    assert tenants.purged == []
