"""Upgrades need no laptop: the deploy's custom resource runs the data migration (unsubscribe keys for integrations
stored before them, report schedules for subscriptions stored before the due index) through the report queue, once
per version, resuming where it stopped; and a period that ended while the scheduler was not running still gets its
report, once. Time is the injected clock."""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.aws import integrations_repo, report_schedules_repo, upgrades_repo
from chalicelib.aws.clients import client, table
from chalicelib.aws.queue import queue_url
from chalicelib.settings import get_settings
from chalicelib.tenants import upgrade
from local.pollers import poll_once
from tests.support import cloudformation
from tests.support.checks import scan
from tests.support.lambdas import aws_requests, fire
from tests.support.pipeline import outbox


def as_before_the_features(tenant: Any) -> None:
    """The tenant's data as an older version stored it: integrations without unsubscribe keys, no schedules."""
    for integration in integrations_repo.all_for_tenant(tenant.id):
        table(get_settings().integrations_table).update_item(
            Key=integrations_repo.key(tenant.id, integration.id), UpdateExpression="REMOVE unsubscribe_key")
    for frequency in ("daily", "weekly", "monthly"):
        report_schedules_repo.remove(tenant.id, frequency)


def migrated(tenant: Any) -> bool:
    keyed = all(i.unsubscribe_key for i in integrations_repo.all_for_tenant(tenant.id))
    return keyed and any(row["sk"].startswith("schedule#") for row in scan("reports_table")
                         if row["tenant_id"] == tenant.id)


def migrate(api: Any, event: dict[str, Any]) -> dict[str, str]:
    return api.client.lambda_.invoke("migrate", event).payload


def report_worker(api: Any, once: bool = False) -> int:
    """Run the report worker until its queue is empty (or on one message); returns the messages it took."""
    taken = 0
    while got := poll_once(get_settings().report_queue, lambda e: api.client.lambda_.invoke("report_worker", e).payload,
                           max_messages=1):
        taken += got
        if once:
            break
    return taken


def queued() -> int:
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url(get_settings().report_queue),
                                                    AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_the_deploy_migrates_once_and_a_second_run_is_a_no_op(api, acme, globex):
    # GIVEN two tenants whose data an older version stored
    acme.integration(name="Daily", emails="daily@acme.io", events=["report_daily"])
    for tenant in (acme, globex):
        as_before_the_features(tenant)
    assert not migrated(acme) and not migrated(globex)
    with cloudformation.response_url() as (url, answers):
        # WHEN CloudFormation creates the stack's DataMigration resource, and the report worker runs the pages
        assert migrate(api, cloudformation.request("Create", url, upgrade.VERSION)) == {"outcome": "started"}
        assert report_worker(api) == 1
        # THEN CloudFormation was answered at once, and every tenant is migrated
        assert [(a["Status"], a["LogicalResourceId"], a["Data"]) for a in answers] == [
            ("SUCCESS", "DataMigration", {"Outcome": "started"})]
        assert migrated(acme) and migrated(globex)
        assert upgrades_repo.get() == upgrades_repo.Marker(upgrade.VERSION)
        # WHEN the next deploy (same version) runs it again
        with aws_requests() as requests:
            assert migrate(api, cloudformation.request("Update", url, upgrade.VERSION)) == {"outcome": "done"}
        # THEN it is a no-op: one read of the marker, nothing queued, and CloudFormation is answered
        assert requests == {"dynamodb.GetItem": 1}
        assert queued() == 0 and answers[-1]["Status"] == "SUCCESS" and answers[-1]["Data"] == {"Outcome": "done"}
        # AND deleting the stack never undoes it
        assert migrate(api, cloudformation.request("Delete", url, upgrade.VERSION))["outcome"].startswith("nothing")
        assert answers[-1]["Status"] == "SUCCESS" and upgrades_repo.get().done == upgrade.VERSION


def test_an_interrupted_migration_resumes_after_the_last_tenant_it_finished(api, monkeypatch):
    # GIVEN five tenants of an older version, and pages of two tenants
    tenants = [api.tenant(f"T{n}", f"sec@t{n}.example") for n in range(5)]
    for tenant in tenants:
        as_before_the_features(tenant)
    monkeypatch.setattr(upgrade, "PAGE", 2)
    done: Counter[str] = Counter()
    real = upgrade.upgrade_tenant
    monkeypatch.setattr(upgrade, "upgrade_tenant", lambda tenant: (done.update([tenant.id]), real(tenant)))
    # WHEN the migration starts, runs one page, and its next page is lost (e.g. left in the dead-letter queue)
    assert migrate(api, {}) == {"outcome": "started"}
    assert report_worker(api, once=True) == 1
    client("sqs").purge_queue(QueueUrl=queue_url(get_settings().report_queue))
    assert sum(done.values()) == 2 and upgrades_repo.get().running == upgrade.VERSION
    # AND the migration is started again (the next deploy, or by hand)
    assert migrate(api, {}) == {"outcome": "resumed"}
    report_worker(api)
    # THEN it went on after the last tenant it had finished: each tenant migrated once, all of them
    assert done == Counter(tenant.id for tenant in tenants)
    assert all(migrated(tenant) for tenant in tenants) and upgrades_repo.get().done == upgrade.VERSION
    # AND a page of a migration that is done does nothing (a duplicate from a concurrent start)
    assert upgrade.run_page({upgrade.KEY: upgrade.VERSION, "after": None}) == 0


def daily_reports(to: str) -> list[str]:
    """The attached reports' file names (they name the period) mailed to ``to``."""
    return sorted(name for m in outbox() if m.to == [to] for name, _ in m.attachments)


@pytest.mark.parametrize("schedules_lost", [False, True], ids=["scheduler-stopped", "data-from-before-schedules"])
def test_a_period_that_ended_during_the_upgrade_is_mailed_exactly_once(api, acme, pipeline, frozen_clock,
                                                                       schedules_lost):
    # GIVEN a daily report whose 25 November went out at midnight
    acme.integration(name="Daily", emails="daily@acme.io", events=["report_daily"])
    frozen_clock.moment = datetime(2026, 11, 26, 0, 5, tzinfo=UTC)
    fire(api, "report_scheduler", "before")
    report_worker(api)
    pipeline.drain()
    assert len(daily_reports("daily@acme.io")) == 1
    # WHEN an upgrade keeps the scheduler from running until 28 November, 10:00 (far past its 3-hour look-back),
    # its data from before the schedules in one variant, and the deploy migrates
    if schedules_lost:
        as_before_the_features(acme)
    assert migrate(api, {}) == {"outcome": "started"}
    report_worker(api)
    for hour in (10, 11):  # and the scheduler fires again, twice
        frozen_clock.moment = datetime(2026, 11, 28, hour, 5, tzinfo=UTC)
        fire(api, "report_scheduler", f"after-{hour}")
        report_worker(api)
        pipeline.drain()
    # THEN the 26th and 27th, which ended during the upgrade, are mailed, each once
    reports = daily_reports("daily@acme.io")
    print(reports)
    assert len(reports) == 3 and [any(day in name for name in reports) for day in ("25", "26", "27")] == [True] * 3


def test_a_migration_that_cannot_start_fails_the_deploy_with_the_reason(api):
    # GIVEN the marker's table is gone (a stack in a bad state)
    client("dynamodb").delete_table(TableName=get_settings().reports_table)
    with cloudformation.response_url() as (url, answers):
        # WHEN CloudFormation asks for the migration
        with pytest.raises(ClientError):
            migrate(api, cloudformation.request("Update", url, upgrade.VERSION))
        # THEN it is told it failed, and why (the deploy rolls back)
        [answer] = answers
        assert answer["Status"] == "FAILED" and "ResourceNotFoundException" in answer["Reason"]
