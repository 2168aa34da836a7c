"""Proof of delivery and the watchdog, on the injected clock: a scheduler outage of six hours still gets every due
report out exactly once, with one notice to the tenant's ``system`` subscribers, and ``GET /v1/reports`` shows each
run's stages and recipients; a stuck (poison) job is re-queued once, and a second late pass tells nobody again."""

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.aws.clients import client
from chalicelib.aws.queue import queue_url
from chalicelib.reports import generation
from chalicelib.settings import get_settings
from local.pollers import poll_once
from tests.support.checks import metrics
from tests.support.lambdas import fire as fire_lambda
from tests.support.pipeline import outbox
from tests.support.reports import run_watchdog


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def mails(address: str, subject: str | None = None) -> list[str]:
    return [mail.subject for mail in outbox() if address in mail.to and subject in (None, mail.subject)]


def pdfs(tenant_id: str) -> list[str]:
    listed = client("s3").list_objects_v2(Bucket=get_settings().reports_bucket, Prefix=f"reports/{tenant_id}/")
    return sorted(item["Key"].split("/")[2] + "/" + item["Key"].split("/")[3] for item in listed.get("Contents", [])
                  if item["Key"].endswith(".pdf"))


def runs_of(tenant) -> dict[str, dict]:
    status, body = tenant.call("GET", "/v1/reports")
    assert status == 200, body
    return {run["id"].split("-", 1)[1]: run for run in body["runs"]}


def test_a_six_hour_scheduler_outage_still_sends_every_report_once_with_one_notice(api, frozen_clock, pipeline,
                                                                                    fire, capfd):
    # GIVEN a Berlin tenant: its default integration takes the weekly report and system notices, SOC the daily
    # report at midnight (two addresses), the CISO the daily report at 08:00
    frozen_clock.moment = at(13, 12)
    tenant = api.tenant("Berlin GmbH", "sec@berlin.example", timezone="Europe/Berlin")
    tenant.integration(name="SOC", emails="soc1@berlin.example, soc2@berlin.example", events=["report_daily"])
    tenant.integration(name="CISO", emails="ciso@berlin.example", events=["report_daily"], report_hour=8)
    fire(at(13, 13))
    fire(at(13, 22))
    capfd.readouterr()
    # WHEN the scheduler does not run from Sunday 23:00 to Monday 04:00 UTC (midnight to 05:00 in Berlin), when
    # the daily and weekly reports are due at midnight, while the health check's watchdog runs every hour
    assert run_watchdog(api, pipeline, frozen_clock, at(14, 0, 5))["late_runs"] == 0  # due 23:00: not late yet
    assert mails("soc1@berlin.example") == []
    assert run_watchdog(api, pipeline, frozen_clock, at(14, 1, 5))["late_runs"] == 2
    for hour in (2, 3, 4):
        assert run_watchdog(api, pipeline, frozen_clock, at(14, hour, 5))["late_runs"] == 0
    for hour in range(5, 10):  # the scheduler is back
        fire(at(14, hour))
        run_watchdog(api, pipeline, frozen_clock, at(14, hour, 5))

    # THEN every due report went out exactly once, the CISO's at its own hour (its run was never late: lateness
    # counts from the report hour, not the period's end)
    assert mails("soc1@berlin.example") == mails("soc2@berlin.example") == ["Daily security report"]
    assert mails("ciso@berlin.example") == ["Daily security report"]
    assert mails("sec@berlin.example", "Weekly security report") == ["Weekly security report"]
    assert pdfs(tenant.id) == ["daily/2026-12-13", "weekly/2026-W50"]
    # AND the system subscribers were told once, of both runs, in the tenant's time
    [notice] = [mail for mail in outbox() if mail.subject == "Scheduled reports late"]
    assert notice.to == ["sec@berlin.example"]
    assert "Daily report 2026-12-13, due 2026-12-14 00:00 (Europe/Berlin)" in notice.text
    assert "Weekly report 2026-W50, due 2026-12-14 00:00 (Europe/Berlin)" in notice.text
    assert "queued again" in notice.text
    assert metrics(capfd.readouterr().out)["ReportRunsLate"] == 2
    # AND GET /v1/reports shows each run's stages and every recipient's outcome
    runs = runs_of(tenant)
    assert set(runs) == {"daily-2026-12-13@00", "daily-2026-12-13@08", "weekly-2026-W50@00"}
    late, on_time = runs["daily-2026-12-13@00"], runs["daily-2026-12-13@08"]
    assert (late["status"], late["late"], late["requeued_at"]) == ("sent", "missing", "2026-12-14T01:05:00Z")
    assert late["queued_at"] <= late["rendered_at"] <= late["stored_at"] <= late["delivered_at"]
    [soc] = late["integrations"]
    assert soc["name"] == "SOC" and soc["status"] == "sent"
    assert [(r["address"], r["status"]) for r in soc["recipients"]] == [
        ("soc1@berlin.example", "sent"), ("soc2@berlin.example", "sent")]
    assert (on_time["status"], on_time["late"], on_time["report_time"]) == ("sent", None, "2026-12-14T07:00:00Z")
    assert runs["weekly-2026-W50@00"]["integrations"][0]["recipients"][0]["address"] == "sec@berlin.example"


def test_a_stuck_run_is_requeued_once_and_its_tenant_told_once(api, frozen_clock, pipeline, fire,
                                                                monkeypatch: pytest.MonkeyPatch):
    # GIVEN a tenant whose daily report job is a poison job: it fails until its tries are spent and SQS moves it to
    # the dead-letter queue
    frozen_clock.moment = at(9, 12)
    tenant = api.tenant("Acme", "sec@acme.io")
    tenant.integration(name="SOC", emails="soc@acme.io", events=["report_daily"])
    fire(at(9, 13))

    def poison(*_: object) -> None:
        raise RuntimeError("poison job")

    def fail_to_the_dead_letter_queue() -> None:
        """The job fails; its tries spent, SQS moves it off the queue (to the dead-letter queue)."""
        url = queue_url(get_settings().report_queue)

        def dead_letter(messages: list[dict[str, Any]]) -> None:
            client("sqs").delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]} for n, message in enumerate(messages)])

        with pytest.raises(Exception, match=r"poison job|failed"):  # powertools wraps the job's error
            poll_once(get_settings().report_queue,
                      lambda event: api.client.lambda_.invoke("report_worker", event).payload,
                      on_undeleted=dead_letter)

    def watchdog(when: datetime) -> int:
        frozen_clock.moment = when
        return fire_lambda(api, "health_check", f"watch-{when.isoformat()}")["late_runs"]

    monkeypatch.setattr(generation, "_render", poison)
    frozen_clock.moment = at(10, 0)
    fire_lambda(api, "report_scheduler", "tick-midnight")
    fail_to_the_dead_letter_queue()
    # WHEN the watchdog passes two hours after the report time, and the re-queued job fails as well
    assert watchdog(at(10, 1, 55)) == 0
    assert watchdog(at(10, 2, 5)) == 1
    fail_to_the_dead_letter_queue()
    pipeline.drain()
    # THEN the tenant's system subscribers were told once
    assert mails("sec@acme.io", "Scheduled reports late") == ["Scheduled reports late"]
    # AND the next late pass gives the run up: nothing queued again, nobody told again
    for hour in (4, 6, 12):
        assert watchdog(at(10, hour, 5)) == 0
        assert _queued() == 0
    pipeline.drain()
    assert mails("sec@acme.io", "Scheduled reports late") == ["Scheduled reports late"]
    assert mails("soc@acme.io") == []
    # AND the run is listed late and stuck, queued once, re-queued once, never rendered
    [run] = runs_of(tenant).values()
    assert (run["status"], run["late"], run["requeued_at"], run["rendered_at"]) == (
        "late", "stuck", "2026-12-10T02:05:00Z", None)


def _queued() -> int:
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url(get_settings().report_queue),
                                                    AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])
