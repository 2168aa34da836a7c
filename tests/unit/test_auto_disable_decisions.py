"""The health check's decisions on fakes (``integrations.health.check_all``): 60% failed of at least 10 send
requests over the last 12 hours disables, 40% warns once per window, a fresh window (enable, new addresses) forgets
the failures before it, and a pass that would disable too many at once disables none (the circuit breaker)."""

from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.aws import deliveries_repo
from chalicelib.integrations import health
from chalicelib.stores import Stores
from tests.support.domain import Emitted, integration, stored
from tests.support.fakes import fake_stores

HOUR = timedelta(hours=1)


@pytest.fixture
def stores(monkeypatch: pytest.MonkeyPatch) -> Stores:
    # the auto-disable notice's summary reads the delivery log, which has no store here yet: an empty log
    monkeypatch.setattr(deliveries_repo, "log_page", lambda *args: ([], None))
    return fake_stores()


def failing(stores: Stores, integration_id: str, total: int, failed: int, ago: timedelta = HOUR) -> None:
    stores.counters.count_requests("t1", integration_id, clock.now() - ago, total, failed)


def test_sixty_percent_of_ten_requests_disables_with_the_ratio_in_the_reason_and_tells_system_subscribers(
        stores: Stores, emitted: list[Emitted]) -> None:
    stored(stores, integration("soc", "system"))
    failing(stores, "soc", 10, 6)

    outcome = health.check_all(stores, clock.now())

    soc = stores.integrations.get("t1", "soc")
    assert outcome == {"failing": 1, "checked": 1, "disabled": 1, "warned": 0, "held": 0}
    assert soc and not soc.active
    assert soc.disabled_reason == "auto-disabled: 60% of send requests failed in the last 12 hours (6 of 10)"
    assert [(e.type, e.data["mode"], e.farewell and e.farewell.id) for e in emitted] == [
        ("integration.disabled", "automatic", "soc")]


@pytest.mark.parametrize(("total", "failed", "expected"), [
    (10, 5, "warned"), (100, 59, "warned"), (100, 40, "warned"), (100, 39, None), (9, 9, None), (10, 3, None)])
def test_below_sixty_percent_or_ten_requests_nothing_is_disabled_and_forty_percent_warns(
        stores: Stores, emitted: list[Emitted], total: int, failed: int, expected: str | None) -> None:
    stored(stores, integration("soc", "system"))
    failing(stores, "soc", total, failed)

    outcome = health.check_all(stores, clock.now())

    soc = stores.integrations.get("t1", "soc")
    assert soc and soc.active and outcome["disabled"] == 0
    assert [e.type for e in emitted] == (["integration.degraded"] if expected else [])


def test_a_second_pass_neither_disables_nor_warns_again(stores: Stores, emitted: list[Emitted]) -> None:
    stored(stores, integration("soc", "system"), integration("ops", "system"))
    failing(stores, "soc", 10, 10)
    failing(stores, "ops", 10, 5)

    first = health.check_all(stores, clock.now())
    second = health.check_all(stores, clock.now() + 5 * timedelta(minutes=1))

    assert (first["disabled"], first["warned"]) == (1, 1)
    assert (second["checked"], second["disabled"], second["warned"]) == (1, 0, 0)
    assert [e.type for e in emitted] == ["integration.disabled", "integration.degraded"]


def test_only_the_last_twelve_hours_count_the_oldest_hour_pro_rata(stores: Stores, emitted: list[Emitted]) -> None:
    stored(stores, integration("old", "system"), integration("edge", "system"))
    failing(stores, "old", 100, 100, ago=13 * HOUR)
    now = clock.now().replace(minute=30)
    stores.counters.count_requests("t1", "edge", now - 12 * HOUR, 20, 20)  # half of that hour is in the window
    stores.counters.count_requests("t1", "edge", now, 10, 0)

    outcome = health.check_all(stores, now)

    assert health.recent_ratio(stores, integration("edge"), now).describe(12) == (
        "50% of send requests failed in the last 12 hours (10 of 20)")
    assert outcome == {"failing": 1, "checked": 1, "disabled": 0, "warned": 1, "held": 0}


def test_a_fresh_window_forgets_the_failures_before_it(stores: Stores, emitted: list[Emitted]) -> None:
    now = clock.now()
    stored(stores, integration("soc", "system", failure_window_start=now - 30 * timedelta(minutes=1),
                               failure_window_baseline=(10, 10)))
    stores.counters.count_requests("t1", "soc", now - 30 * timedelta(minutes=1), 10, 10)  # before the enable
    stores.counters.count_requests("t1", "soc", now - 3 * HOUR, 50, 50)
    stores.counters.count_requests("t1", "soc", now, 10, 1)  # after it

    outcome = health.check_all(stores, now)

    assert outcome["disabled"] == 0 and not emitted
    assert health.recent_ratio(stores, stores.integrations.get("t1", "soc"), now).share == pytest.approx(0.1)


def test_a_disabled_integration_is_not_judged(stores: Stores, emitted: list[Emitted]) -> None:
    stored(stores, integration("soc", "system", active=False))
    failing(stores, "soc", 50, 50)

    assert health.check_all(stores, clock.now()) == {"failing": 1, "checked": 0, "disabled": 0, "warned": 0,
                                                      "held": 0}
    assert not emitted


@pytest.mark.parametrize(("bad", "good", "disabled"), [(5, 0, 5), (6, 0, 0), (6, 54, 6), (7, 60, 0)])
def test_the_breaker_disables_none_when_more_than_five_and_ten_percent_would_go_at_once(
        stores: Stores, emitted: list[Emitted], bad: int, good: int, disabled: int) -> None:
    for n in range(bad):
        stored(stores, integration(f"bad{n}", "system"))
        failing(stores, f"bad{n}", 10, 10)
    for n in range(good):
        stored(stores, integration(f"good{n}", "system"))
        failing(stores, f"good{n}", 100, 5)  # judged (5 failures), and healthy

    outcome = health.check_all(stores, clock.now())

    assert outcome["disabled"] == disabled and outcome["held"] == bad - disabled
    assert sum(not i.active for i in stores.integrations.all_for_tenant("t1")) == disabled
    assert [e.type for e in emitted] == ["integration.disabled"] * disabled
