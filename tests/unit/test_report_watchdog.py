"""The report watchdog's decisions and the runs' view, on the in-memory stores: a run still without its mail
``report_watchdog_hours`` after its report time is re-queued once, then given up; the tenant's notice lists its
late runs in its own time; each recipient's outcome is read from its delivery (scenario: test_report_watchdog)."""

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import clock
from chalicelib.delivery.outbox import delivery_id
from chalicelib.email import notifications
from chalicelib.models.deliveries import Attempt, Delivery
from chalicelib.models.events import Event, own_id
from chalicelib.models.runs import IntegrationOutcome, RecipientOutcome
from chalicelib.reports import runs, watchdog
from chalicelib.stores import Stores
from tests.support.contracts.runs import DUE, a_run
from tests.support.contracts.tenants import created
from tests.support.domain import integration, stored
from tests.support.fakes import fake_stores

HOUR = timedelta(hours=1)


@pytest.fixture
def stores() -> Stores:
    made = fake_stores()
    created(made, "t1")
    return made


def test_a_stuck_run_is_requeued_once_at_its_watch_then_given_up_and_left_alone(stores: Stores) -> None:
    run = a_run("t1", 9)
    stores.runs.queued([(run, DUE + 2 * HOUR)])

    assert watchdog.stuck(stores, DUE + 2 * HOUR - timedelta(seconds=1)) == []
    [again] = watchdog.stuck(stores, DUE + 2 * HOUR)
    assert [told.id for told in watchdog.requeued(stores, [again], "stuck", DUE + 2 * HOUR)] == [run.id]
    assert watchdog.requeued(stores, [again], "stuck", DUE + 2 * HOUR) == []  # a concurrent pass tells nobody
    assert watchdog.stuck(stores, DUE + 3 * HOUR) == []  # watched anew, from the re-queue
    assert watchdog.stuck(stores, DUE + 4 * HOUR) == []  # late again: given up, not re-queued
    assert watchdog.stuck(stores, DUE + 48 * HOUR) == []
    [kept] = stores.runs.between("t1", "", None)
    assert (kept.late, kept.requeued_at) == ("stuck", DUE + 2 * HOUR)


def test_a_run_delivered_or_requeued_and_then_delivered_is_never_late(stores: Stores) -> None:
    on_time, rescued = a_run("t1", 8), a_run("t1", 9)
    stores.runs.queued([(on_time, DUE + 2 * HOUR), (rescued, DUE + 2 * HOUR)])
    stores.runs.delivered("t1", on_time.id, DUE + HOUR, ["i1"])

    assert [again.id for again in watchdog.stuck(stores, DUE + 2 * HOUR)] == [rescued.id]
    watchdog.requeued(stores, [rescued], "stuck", DUE + 2 * HOUR)
    stores.runs.delivered("t1", rescued.id, DUE + 3 * HOUR, ["i1"])
    assert watchdog.stuck(stores, DUE + 9 * HOUR) == []


def test_a_deleted_tenants_late_run_is_dropped_not_requeued(stores: Stores) -> None:
    gone, kept = a_run("t2", 9), a_run("t1", 9)
    stores.runs.queued([(gone, DUE), (kept, DUE)])

    assert [again.tenant_id for again in watchdog.stuck(stores, DUE)] == ["t1"]
    assert [run.tenant_id for run in stores.runs.late(DUE)] == ["t1"]


def test_each_tenant_gets_one_notice_of_its_late_runs_oldest_first_in_its_own_time() -> None:
    berlin = [a_run("t1", 9, hour=8).model_copy(update={"timezone": "Europe/Berlin"}),
              a_run("t1", 8, frequency="weekly").model_copy(update={"timezone": "Europe/Berlin"})]
    found = watchdog.notices([*berlin, a_run("t2", 9)])

    assert found["t1"]["reports"] == ["Weekly report 2026-12-08, due 2026-12-09 01:00 (Europe/Berlin)",
                                      "Daily report 2026-12-09, due 2026-12-10 09:00 (Europe/Berlin)"]
    assert found["t2"]["reports"] == ["Daily report 2026-12-09, due 2026-12-10 00:00 (UTC)"]
    assert found["t1"]["hours"] == 2


def test_a_notice_lists_twenty_runs_then_how_many_more_and_its_mail_says_what_was_done() -> None:
    many = [a_run("t1", day, hour) for day in range(1, 13) for hour in (0, 8)]
    [data] = watchdog.notices(many).values()

    assert len(data["reports"]) == watchdog.LATE_REPORTS_LISTED + 1 and data["reports"][-1] == "and 4 more"
    mail = notifications.render(Event(id=own_id("late"), type="report.late", time=clock.now(), data=data), "Acme")
    assert mail.subject == "Scheduled reports late"
    assert "had not gone out 2 hours after their send time" in mail.text and "queued again" in mail.text
    assert "Daily report 2026-12-01, due 2026-12-02 00:00 (UTC)" in mail.text and "and 4 more" in mail.text


def delivery(status: str, sent: list[str], pending: list[str], attempts: list[Attempt], **fields: object) -> Delivery:
    return Delivery.model_validate({"id": "d1", "tenant_id": "t1", "integration_id": "i1", "kind": "report",
                                    "subject": "Daily security report", "status": status, "attempts": attempts,
                                    "recipients_sent": sent, "recipients_pending": pending, "created_at": DUE,
                                    "updated_at": DUE, **fields})


def tried(address: str, outcome: str, minutes: int, **fields: object) -> Attempt:
    return Attempt.model_validate({"number": 1, "at": DUE + timedelta(minutes=minutes), "outcome": outcome,
                                   "recipient": address, **fields})


@pytest.mark.parametrize(("status", "expected"), [
    ("retrying", [("a@acme.io", "sent", None), ("b@acme.io", "failed", "MessageRejected: Address blacklisted.")]),
    ("dead", [("a@acme.io", "sent", None), ("b@acme.io", "dead", "MessageRejected: Address blacklisted.")]),
])
def test_each_recipient_has_its_own_outcome_from_its_last_message(status: str, expected: list[tuple]) -> None:
    found = runs.recipients(delivery(status, ["a@acme.io"], ["b@acme.io"], [
        tried("a@acme.io", "sent", 1), tried("b@acme.io", "failed", 1, error_code="MessageRejected",
                                             error="Address blacklisted.")],
        last_error="MessageRejected: Address blacklisted."), ["a@acme.io", "c@acme.io"])

    assert [(r.address, r.status, r.error if r.status != "sent" else None) for r in found] == expected
    assert found[0].at == DUE + timedelta(minutes=1)


def test_recipients_before_a_try_are_the_integrations_and_a_skipped_delivery_says_why() -> None:
    assert [(r.address, r.status) for r in runs.recipients(None, ["a@acme.io"])] == [("a@acme.io", "queued")]
    assert [(r.address, r.status) for r in runs.recipients(delivery("queued", [], [], []), ["a@acme.io"])] == [
        ("a@acme.io", "queued")]
    [skipped] = runs.recipients(delivery("skipped", [], [], [], reason="the integration is disabled"), ["a@acme.io"])
    assert (skipped.status, skipped.error) == ("skipped", "the integration is disabled")


def outcome(*statuses: str) -> IntegrationOutcome:
    return IntegrationOutcome(integration_id="i1", delivery_id="d1", status="sent", recipients=[
        RecipientOutcome(address=f"{n}@acme.io", status=status) for n, status in enumerate(statuses)])


@pytest.mark.parametrize(("stages", "outcomes", "expected"), [
    ({}, [], "queued"),
    ({"rendered_at": DUE}, [], "rendered"),
    ({"rendered_at": DUE, "stored_at": DUE}, [], "stored"),
    ({"late": "missing"}, [], "late"),
    ({"delivered_at": DUE}, [outcome("sent", "queued")], "delivering"),
    ({"delivered_at": DUE}, [outcome("sent", "failed"), outcome("queued")], "failed"),
    ({"delivered_at": DUE}, [outcome("sent"), outcome("dead", "failed")], "dead"),
    ({"delivered_at": DUE, "late": "stuck"}, [outcome("sent", "sent"), outcome("skipped")], "sent"),
    ({"delivered_at": DUE, "stored_at": DUE}, [], "stored"),  # nobody takes it at that hour any more
])
def test_a_runs_status_is_its_last_stage_then_its_recipients_worst_outcome(
        stages: dict[str, object], outcomes: list[IntegrationOutcome], expected: str) -> None:
    assert runs.status(a_run("t1", 9).model_copy(update=stages), outcomes) == expected


def test_the_runs_view_reads_each_integrations_delivery_by_its_derived_id(stores: Stores) -> None:
    stored(stores, integration("ciso"))
    run = a_run("t1", 9)
    stores.runs.queued([(run, DUE)])
    stores.runs.delivered("t1", run.id, DUE, ["ciso", "gone"])
    made = delivery("sent", ["ciso@acme.io"], [], [tried("ciso@acme.io", "sent", 3)]).model_copy(update={
        "id": delivery_id(datetime(2026, 12, 10, tzinfo=UTC), f"report:{run.report_id}", "ciso"),
        "integration_id": "ciso"})
    stores.deliveries.create_all([made])

    [shown] = runs.shown(stores, "t1", stores.runs.between("t1", "", None))

    assert shown.status == "sent"  # a deleted integration's delivery (gone with it) holds nobody up
    assert [(o.name, o.status, [(r.address, r.status) for r in o.recipients]) for o in shown.integrations] == [
        ("ciso", "sent", [("ciso@acme.io", "sent")]), (None, "missing", [])]
