"""The report runs' contract."""

from datetime import UTC, datetime, timedelta

from chalicelib.models.runs import Run, run_id
from chalicelib.stores import Stores

DUE = datetime(2026, 12, 10, tzinfo=UTC)


def a_run(tenant_id: str, day: int, hour: int = 0, frequency: str = "daily") -> Run:
    report = f"202612{day + 1:02d}T0000Z-{frequency}-2026-12-{day:02d}"
    return Run(id=run_id(report, hour), tenant_id=tenant_id, report_id=report, frequency=frequency,
               period_key=f"2026-12-{day:02d}", timezone="UTC", report_hour=hour,
               report_time=DUE + timedelta(days=day - 9, hours=hour), queued_at=DUE)


class RunStoreContract:
    def test_a_run_is_watched_from_queued_until_delivered(self, stores: Stores) -> None:
        run = a_run("t1", 9)
        stores.runs.queued([(run, DUE + timedelta(hours=2))])

        assert stores.runs.late(DUE + timedelta(hours=1)) == []
        assert [late.id for late in stores.runs.late(DUE + timedelta(hours=2))] == [run.id]
        stores.runs.stored("t1", run.id, DUE + timedelta(minutes=1), DUE + timedelta(minutes=2))
        stores.runs.delivered("t1", run.id, DUE + timedelta(minutes=3), ["i1", "i2"])
        assert stores.runs.late(DUE + timedelta(days=1)) == []
        [kept] = stores.runs.between("t1", "", None)
        assert (kept.rendered_at, kept.stored_at, kept.delivered_at) == (
            DUE + timedelta(minutes=1), DUE + timedelta(minutes=2), DUE + timedelta(minutes=3))
        assert kept.integration_ids == ["i1", "i2"] and kept.queued_at == DUE

    def test_a_run_queued_again_keeps_its_first_time_and_a_delivered_one_stays_unwatched(self,
                                                                                        stores: Stores) -> None:
        run = a_run("t1", 9)
        stores.runs.queued([(run, DUE + timedelta(hours=2))])
        stores.runs.queued([(run.model_copy(update={"queued_at": DUE + timedelta(hours=1)}),
                             DUE + timedelta(hours=5))])
        [kept] = stores.runs.between("t1", "", None)
        assert kept.queued_at == DUE
        stores.runs.delivered("t1", run.id, DUE, ["i1"])
        stores.runs.queued([(run, DUE)])
        assert stores.runs.late(DUE + timedelta(days=1)) == []

    def test_a_run_is_requeued_once_then_given_up(self, stores: Stores) -> None:
        run = a_run("t1", 9)
        stores.runs.queued([(run, DUE)])

        assert stores.runs.requeue("t1", run.id, DUE, "stuck", DUE + timedelta(hours=2))
        assert not stores.runs.requeue("t1", run.id, DUE + timedelta(hours=1), "missing", DUE + timedelta(hours=9))
        assert stores.runs.late(DUE + timedelta(hours=1)) == []
        [late] = stores.runs.late(DUE + timedelta(hours=2))
        assert (late.requeued_at, late.late) == (DUE, "stuck")
        stores.runs.give_up("t1", run.id)
        assert stores.runs.late(DUE + timedelta(days=1)) == []
        assert [kept.late for kept in stores.runs.between("t1", "", None)] == ["stuck"]

    def test_stages_of_a_run_never_queued_record_nothing(self, stores: Stores) -> None:
        stores.runs.stored("t1", "nothing@00", DUE, DUE)
        stores.runs.delivered("t1", "nothing@00", DUE, ["i1"])

        assert not stores.runs.requeue("t1", "nothing@00", DUE, "stuck", DUE)
        assert stores.runs.between("t1", "", None) == []

    def test_runs_list_per_tenant_newest_first_within_bounds(self, stores: Stores) -> None:
        runs = [a_run("t1", 7), a_run("t1", 8), a_run("t1", 8, hour=8), a_run("t1", 9),
                a_run("t1", 8, frequency="weekly"), a_run("t2", 8)]
        stores.runs.queued([(run, DUE) for run in runs])

        assert [run.id for run in stores.runs.between("t1", runs[1].report_id, runs[3].report_id, "daily")] == [
            runs[2].id, runs[1].id]
        assert [run.id for run in stores.runs.between("t1", "", None, "daily")] == [
            runs[3].id, runs[2].id, runs[1].id, runs[0].id]
        assert [run.id for run in stores.runs.between("t2", "", None)] == [runs[5].id]
        assert len(stores.runs.between("t1", "", None)) == 5
