"""The contract every :class:`~chalicelib.stores.rollups.RollupStore` keeps; run on the fake (tests/unit) and on
DynamoDB (tests/scenario) by calling :func:`check` with a fresh store."""

from chalicelib.models.trends import Rollup
from chalicelib.stores.rollups import RollupStore

NOVEMBER = Rollup(key="2026-11", attacks=120, hits=900, blocked=80, backlog={"high": 2, "medium": 1, "low": 0},
                  overdue=1, fixed=3, fix_seconds=3 * 86400 + 7, fixed_within_sla=2)


def check(store: RollupStore) -> None:
    # nothing stored: nothing found, and no keys asked is no read at all
    assert store.get_many("t1", ["2026-11", "2026-10"]) == {}
    assert store.get_many("t1", []) == {}

    # the first write stands: a second one of the same month changes nothing
    assert store.put("t1", NOVEMBER) is True
    assert store.put("t1", NOVEMBER.model_copy(update={"attacks": 1})) is False
    assert store.get_many("t1", ["2026-10", "2026-11"]) == {"2026-11": NOVEMBER}

    # tenants do not see each other's months
    assert store.get_many("t2", ["2026-11"]) == {}
    assert store.put("t2", NOVEMBER.model_copy(update={"attacks": 7})) is True
    assert store.get_many("t2", ["2026-11"])["2026-11"].attacks == 7
    assert store.get_many("t1", ["2026-11"])["2026-11"].attacks == 120

    # twelve months (and more than a batch's 100 keys) in one call
    for month in range(1, 13):
        store.put("t3", Rollup(key=f"2025-{month:02d}", attacks=month))
    keys = [f"2025-{month:02d}" for month in range(1, 13)] + [f"1999-{n:03d}" for n in range(120)]
    assert {key: rollup.attacks for key, rollup in store.get_many("t3", keys).items()} == {
        f"2025-{month:02d}": month for month in range(1, 13)}
