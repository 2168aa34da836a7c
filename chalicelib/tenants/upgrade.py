"""The data migration every deploy runs (no laptop step): each tenant's stored data brought up to ``VERSION``.

The stack's custom resource (``DataMigration`` in .chalice/resources.json, whose ``Version`` is ``VERSION``) calls
the ``migrate`` function on the first deploy and whenever ``Version`` changes; :func:`start` queues the first page
on the report queue and answers at once, and the report worker runs the pages (:func:`run_page`), ``PAGE`` tenants
each, so no Lambda limit bounds the data. A marker item says which version is done (a re-run is a no-op: one read)
and after which tenant a running one goes on: an interrupted page is retried by SQS, and a chain that broke off
(a page in the dead-letter queue) resumes where it stopped on the next deploy or a hand invoke of ``migrate``.
Every step is idempotent, so a page run twice changes nothing. Migrations only go forward: rolling back the code
leaves the migrated data, which the previous version reads (it ignores what it does not know).

Steps (each for data stored before the feature existed, which the code otherwise fills lazily or never):
- an unsubscribe key for every integration without one (read paths fill it lazily too: ``with_key``);
- report schedules for every frequency taken (the due index), owing every period since the newest report.
"""

from typing import Any

from chalicelib.aws import custom_resource, integrations_repo, queue, tenants_repo, upgrades_repo
from chalicelib.models.tenants import Tenant
from chalicelib.observability import count, logger
from chalicelib.reports import schedules
from chalicelib.settings import get_settings

VERSION = 1  # bump with every new step, here and in the template (tests/scenario/test_package.py checks both)
PAGE = 100
KEY = "upgrade_version"  # a migration page's mark among the report queue's messages


def _page(version: int, after: str | None) -> None:
    queue.send(get_settings().report_queue, {KEY: version, "after": after})


def start(version: int = VERSION) -> str:
    """Queue ``version``'s first page (or, if it is running, the page after its last finished tenant); returns
    ``"done"`` (nothing to do), ``"started"`` or ``"resumed"``."""
    marker = upgrades_repo.get()
    if marker.done >= version:
        return "done"
    resumed = marker.running == version
    if not resumed and not upgrades_repo.begin(version):
        return "done"  # a concurrent start was first and queued the page
    _page(version, marker.cursor if resumed else None)
    logger.info("data migration queued", extra={"version": version, "resumed": resumed, "after": marker.cursor})
    return "resumed" if resumed else "started"


def upgrade_tenant(tenant: Tenant) -> None:
    """Every step, for one tenant."""
    integrations = integrations_repo.all_for_tenant(tenant.id)
    for integration in integrations:
        integrations_repo.with_key(integration)  # a no-op for one that has its key
    schedules.restore(tenant.id, integrations)


def run_page(body: dict[str, Any]) -> int:
    """One page of tenants; then the next page, or the marker says done. A page of a version that no longer runs
    (done, or superseded by a newer deploy) does nothing."""
    version, after = int(body[KEY]), body.get("after")
    if upgrades_repo.get().running != version:
        return 0
    tenants, last = tenants_repo.scan_page(after, PAGE)
    for tenant in tenants:
        upgrade_tenant(tenant)
    if last is None:
        if upgrades_repo.finish(version):
            count("DataMigrationsDone")
            logger.info("data migration done", extra={"version": version})
    elif upgrades_repo.advance(version, last):
        _page(version, last)
    return len(tenants)


def on_deploy(event: dict[str, Any]) -> dict[str, str]:
    """The ``migrate`` function: CloudFormation's custom resource request (answered at its ``ResponseURL``; a
    failure to start fails the deploy, which rolls back), or a hand invoke with any event."""
    if event.get("RequestType") == "Delete":
        outcome = "nothing to undo: data migrations only go forward"
    else:
        try:
            outcome = start()
        except Exception as error:
            logger.exception("data migration could not start")
            if "ResponseURL" in event:
                custom_resource.respond(event, False, f"data migration could not start: {error}")
            raise
    if "ResponseURL" in event:
        custom_resource.respond(event, True, outcome, {"Outcome": outcome})
    return {"outcome": outcome}
