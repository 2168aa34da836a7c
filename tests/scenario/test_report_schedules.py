"""The report schedules follow integrations and time zones: the hourly scheduler finds exactly the periods that
ended, in the tenant's current zone, for the frequencies someone still takes."""

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.aws import report_schedules_repo
from chalicelib.aws.clients import client
from chalicelib.aws.queue import queue_url
from chalicelib.settings import get_settings
from chalicelib.tenants import upgrade
from tests.support.checks import scan
from tests.support.lambdas import fire


def take_messages() -> list[dict[str, Any]]:
    """The report queue's message bodies, taken off it."""
    sqs, url, found = client("sqs"), queue_url(get_settings().report_queue), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def queued_jobs() -> list[tuple[str, str, str]]:
    """(frequency, period key, time zone) of the report jobs on the queue, taken off it."""
    return sorted((body["frequency"], body["period_key"], body["timezone"]) for body in take_messages())


def schedules(tenant: Any) -> list[str]:
    return sorted(row["sk"] for row in scan("reports_table") if row["tenant_id"] == tenant.id)


def fire_at(api: Any, frozen_clock: Any, when: datetime) -> list[tuple[str, str, str]]:
    frozen_clock.moment = when
    fire(api, "report_scheduler", when.isoformat())
    return queued_jobs()


def test_a_new_time_zone_places_the_schedules_anew(api, acme, frozen_clock):
    # GIVEN a tenant in UTC taking the daily report, whose 25 November went out at UTC midnight
    acme.integration(name="Daily", emails="daily@acme.io", events=["report_daily"])
    assert fire_at(api, frozen_clock, datetime(2026, 11, 26, 0, 5, tzinfo=UTC)) == [
        ("daily", "2026-11-25", "UTC")]
    # WHEN it moves to Tokyo
    frozen_clock.moment = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert acme.call("PATCH", "/v1/tenant", {"timezone": "Asia/Tokyo"})[0] == 200
    # THEN its next day is reported right after Tokyo's midnight (15:00 UTC), not at UTC midnight
    assert fire_at(api, frozen_clock, datetime(2026, 11, 26, 2, 5, tzinfo=UTC)) == []
    assert fire_at(api, frozen_clock, datetime(2026, 11, 26, 15, 5, tzinfo=UTC)) == [
        ("daily", "2026-11-26", "Asia/Tokyo")]
    assert fire_at(api, frozen_clock, datetime(2026, 11, 27, 0, 5, tzinfo=UTC)) == []


def test_a_frequency_nobody_takes_loses_its_schedule(api, acme, frozen_clock):
    # GIVEN the default integration (weekly report) and a second one taking the daily and weekly reports
    second = acme.integration(name="SOC", emails="soc@acme.io", events=["report_daily", "report_weekly"])
    assert schedules(acme) == ["schedule#daily", "schedule#weekly"]
    default = next(i for i in acme.call("GET", "/v1/integrations")[1]["items"] if i["id"] != second["id"])
    # WHEN the second stops taking reports, and the default one is disabled
    assert acme.call("PATCH", f"/v1/integrations/{second['id']}", {"events": ["system"]})[0] == 200
    assert schedules(acme) == ["schedule#weekly"]  # the default integration still takes it
    assert acme.call("POST", f"/v1/integrations/{default['id']}/disable")[0] == 200
    # THEN no schedule is left, and Monday's firing queues nothing
    assert schedules(acme) == []
    assert fire_at(api, frozen_clock, datetime(2026, 11, 30, 0, 5, tzinfo=UTC)) == []
    # AND enabling it again brings the weekly schedule back, due at once: last week's report still goes out
    assert acme.call("POST", f"/v1/integrations/{default['id']}/enable")[0] == 200
    assert fire_at(api, frozen_clock, datetime(2026, 11, 30, 1, 5, tzinfo=UTC)) == [("weekly", "2026-W48", "UTC")]


def test_the_deploy_migration_gives_existing_subscriptions_their_schedules(api, acme, frozen_clock):
    # GIVEN subscriptions whose schedules are missing (data from before the due index), no report sent yet
    acme.integration(name="Daily", emails="daily@acme.io", events=["report_daily"])
    for frequency in ("daily", "weekly"):
        report_schedules_repo.remove(acme.id, frequency)
    assert schedules(acme) == [] and fire_at(api, frozen_clock, datetime(2026, 11, 26, 0, 5, tzinfo=UTC)) == []
    # WHEN the deploy's data migration runs (tests/scenario/test_upgrades.py: through the report queue)
    assert upgrade.start() == "started"
    [page] = take_messages()
    assert upgrade.run_page(page) == 1
    # THEN the next firing finds the day that just ended (its look-back: nothing tells when it was last sent)
    assert schedules(acme) == ["schedule#daily", "schedule#weekly"]
    assert fire_at(api, frozen_clock, datetime(2026, 11, 26, 1, 5, tzinfo=UTC)) == [("daily", "2026-11-25", "UTC")]
