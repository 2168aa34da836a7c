"""The integrations service's rules on fakes: create, change, enable, disable and delete, with what each does to
report schedules, the failure window and the ``system`` notices."""

from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.errors import Conflict, NotFound
from chalicelib.integrations import service
from chalicelib.models.common import MAX_RECIPIENTS
from chalicelib.models.integrations import IntegrationCreate, IntegrationUpdate, Unsubscribed
from chalicelib.stores import Stores
from chalicelib.triggers import service as trigger_service
from tests.support.clock import FrozenClock
from tests.support.domain import Emitted, integration, stored
from tests.support.fakes import fake_stores
from tests.support.fakes.integrations import FakeIntegrations


@pytest.fixture
def stores() -> Stores:
    return fake_stores()


def create(stores: Stores, name: str = "SOC", *events: str, tenant_id: str = "t1") -> str:
    data = IntegrationCreate(name=name, emails=["soc@acme.io"], events=list(events or ("system",)))
    return service.create(stores, tenant_id, data).id


def test_a_new_integration_is_stored_with_an_unsubscribe_key_and_its_report_schedules(stores: Stores) -> None:
    created = create(stores, "SOC", "system", "report_weekly", "report_daily")

    soc = service.get(stores, "t1", created)
    assert soc.active and soc.unsubscribe_key and soc.version == 1
    assert [f for f in ("daily", "weekly", "monthly") if stores.schedules.subscription("t1", f)] == ["daily", "weekly"]


def test_a_taken_name_is_refused_and_another_tenants_integration_is_not_found(stores: Stores) -> None:
    created = create(stores)

    with pytest.raises(Conflict):
        create(stores, "soc")
    with pytest.raises(NotFound):
        service.get(stores, "t2", created)
    with pytest.raises(NotFound):
        service.update(stores, "t2", created, IntegrationUpdate(name="Mine"))
    assert len(stores.integrations.all_for_tenant("t1")) == 1


def test_new_addresses_start_a_fresh_failure_window_and_put_an_unsubscribed_address_back(stores: Stores) -> None:
    now = clock.now()
    stored(stores, integration("soc", "system", unsubscribed=[Unsubscribed(address="Ann@acme.io", at=now)]))
    stores.counters.count_requests("t1", "soc", now, 8, 6)

    renamed = service.update(stores, "t1", "soc", IntegrationUpdate(name="Security"))
    readdressed = service.update(stores, "t1", "soc", IntegrationUpdate(emails=["ann@acme.io"]))

    assert renamed.failure_window_start is None and renamed.version == 2
    assert readdressed.failure_window_start == now and readdressed.failure_window_baseline == (8, 6)
    assert readdressed.unsubscribed == [] and readdressed.emails == ["ann@acme.io"]


def test_a_dropped_report_loses_its_schedule_only_when_no_other_active_integration_takes_it(stores: Stores) -> None:
    soc = create(stores, "SOC", "report_weekly", "report_daily")
    create(stores, "Ops", "report_weekly")

    service.update(stores, "t1", soc, IntegrationUpdate(events=["system"]))

    assert stores.schedules.subscription("t1", "weekly") and not stores.schedules.subscription("t1", "daily")


def test_a_report_hour_has_its_own_schedule_which_moves_with_the_hour(stores: Stores) -> None:
    soc = create(stores, "SOC", "report_weekly")
    ops = create(stores, "Ops", "report_weekly")

    service.update(stores, "t1", soc, IntegrationUpdate(report_hour=8))
    assert stores.schedules.subscription("t1", "weekly", 8) and stores.schedules.subscription("t1", "weekly")
    service.update(stores, "t1", ops, IntegrationUpdate(report_hour=8))
    assert stores.schedules.subscription("t1", "weekly") is None  # nobody takes hour 0 any more
    service.update(stores, "t1", soc, IntegrationUpdate(report_hour=23))

    assert [h for h in range(24) if stores.schedules.subscription("t1", "weekly", h)] == [8, 23]


def test_a_report_hour_is_0_to_23_and_a_whole_number() -> None:
    for bad in (-1, 24, 8.5, "8", True, None):
        with pytest.raises(ValueError):
            IntegrationCreate.model_validate({"name": "SOC", "emails": ["soc@acme.io"], "report_hour": bad})
    assert IntegrationCreate(name="SOC", emails=["soc@acme.io"]).report_hour == 0


def test_disable_keeps_the_settings_tells_system_subscribers_once_and_drops_its_schedules(
        stores: Stores, emitted: list[Emitted]) -> None:
    soc = create(stores, "SOC", "system", "report_monthly")

    first, changed = service.disable(stores, "t1", soc)
    again, changed_again = service.disable(stores, "t1", soc)

    assert changed and not changed_again and again == first
    assert not first.active and first.disabled_reason == "manual" and set(first.events) == {"system", "report_monthly"}
    assert [(e.type, e.data["mode"], e.farewell and e.farewell.id) for e in emitted] == [
        ("integration.disabled", "manual", soc)]
    assert stores.schedules.subscription("t1", "monthly") is None


def test_enable_resumes_with_the_same_settings_and_a_fresh_window_and_enabling_twice_changes_nothing(
        stores: Stores, emitted: list[Emitted]) -> None:
    soc = create(stores, "SOC", "system", "report_monthly")
    service.disable(stores, "t1", soc, "auto-disabled: 90% of send requests failed")
    clock_then = clock.now()

    enabled = service.enable(stores, "t1", soc)
    again = service.enable(stores, "t1", soc)

    assert enabled.active and enabled.disabled_reason is None and enabled.failure_window_start == clock_then
    assert again.version == enabled.version
    assert stores.schedules.subscription("t1", "monthly") is not None


def test_delete_tells_system_subscribers_first_then_removes_it_its_schedules_and_its_triggers(
        stores: Stores, emitted: list[Emitted], monkeypatch: pytest.MonkeyPatch) -> None:
    forgotten: list[str] = []
    monkeypatch.setattr(trigger_service, "forget_integration", lambda i: forgotten.append(i.id) or 0)
    soc = create(stores, "SOC", "system", "report_daily")
    ops = create(stores, "Ops", "system")
    service.disable(stores, "t1", ops)
    emitted.clear()

    service.delete(stores, "t1", soc)
    service.delete(stores, "t1", ops)

    assert [(e.type, e.event_id, e.farewell and e.farewell.id) for e in emitted] == [
        ("integration.deleted", f"deleted-{soc}", soc), ("integration.deleted", f"deleted-{ops}", None)]
    assert stores.integrations.all_for_tenant("t1") == [] and forgotten == [soc, ops]
    assert stores.schedules.subscription("t1", "daily") is None
    with pytest.raises(NotFound):
        service.delete(stores, "t1", soc)


def test_an_address_that_left_is_put_back_only_under_the_cap(stores: Stores) -> None:
    full = [f"r{n}@acme.io" for n in range(MAX_RECIPIENTS)]
    stored(stores, integration("soc", "system", emails=full))

    soc, left = service.remove_recipient(stores, "t1", "soc", "R0@acme.io")
    _, left_again = service.remove_recipient(stores, "t1", "soc", "r0@acme.io")
    back = service.add_back(stores, "t1", "soc", "r0@acme.io")
    stores.integrations.replace(back, back.model_copy(update={
        "unsubscribed": [Unsubscribed(address="x@acme.io", at=clock.now())], "version": back.version + 1}))

    assert left and not left_again and "r0@acme.io" not in soc.emails
    assert back.emails[-1] == "R0@acme.io" and back.unsubscribed == [] and back.failure_window_start
    with pytest.raises(Conflict):
        service.add_back(stores, "t1", "soc", "x@acme.io")
    with pytest.raises(NotFound):
        service.add_back(stores, "t1", "soc", "never@acme.io")


def test_a_change_that_races_another_is_read_again_and_retried(stores: Stores) -> None:
    class Racing(FakeIntegrations):
        raced = 0

        def replace(self, current, new):  # type: ignore[no-untyped-def]
            if not self.raced:  # another request writes first
                self.raced += 1
                super().replace(current, current.model_copy(update={"name": "Theirs", "version": current.version + 1}))
            super().replace(current, new)

    stores = Stores(**{**stores.__dict__, "integrations": Racing()})
    stored(stores, integration("soc", "system"))

    changed = service.update(stores, "t1", "soc", IntegrationUpdate(events=["system", "scope"]))

    assert changed.name == "Theirs" and changed.events == ["system", "scope"] and changed.version == 3


def test_the_fresh_window_leaves_out_what_its_own_hour_already_holds(stores: Stores, frozen_clock: FrozenClock) -> None:
    stored(stores, integration("soc", "system", active=False))
    stores.counters.count_requests("t1", "soc", clock.now() + timedelta(minutes=5), 10, 9)
    stores.counters.count_requests("t1", "soc", clock.now() - timedelta(hours=2), 40, 40)
    frozen_clock.advance(minutes=20)  # later in the same hour

    enabled = service.enable(stores, "t1", "soc")

    assert enabled.failure_window_start == clock.now() and enabled.failure_window_baseline == (10, 9)
