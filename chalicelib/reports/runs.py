"""Report runs as the API and the console show them: each run's stages (``stores.runs``) and, per integration and
recipient, what became of its mail, read from the delivery log (the delivery id is the report's and the
integration's, ``delivery.outbox.delivery_id``), never kept twice."""

from chalicelib.delivery.outbox import delivery_id
from chalicelib.models.deliveries import Attempt, Delivery
from chalicelib.models.runs import IntegrationOutcome, RecipientOutcome, ReportRun, Run, RunStatus
from chalicelib.reports.periods import period_from_key
from chalicelib.stores import Stores
from chalicelib.stores.deliveries import Keys


def recipients(delivery: Delivery | None, addresses: list[str]) -> list[RecipientOutcome]:
    """Each address's outcome: its last message's, the delivery's ``dead`` or ``skipped`` for those that never got
    it, ``queued`` before a try. The addresses are the delivery's own (a notice's), else those its tries went to,
    else the integration's ``addresses`` (read at each try, so those of the next one)."""
    if delivery is None:
        return [RecipientOutcome(address=address, status="queued") for address in addresses]
    last: dict[str, Attempt] = {}
    for attempt in sorted(delivery.attempts, key=lambda attempt: attempt.at):
        if attempt.recipient and attempt.outcome != "interrupted":
            last[attempt.recipient.casefold()] = attempt
    tried = [*delivery.recipients_sent, *delivery.recipients_pending,
             *(attempt.recipient for attempt in delivery.attempts if attempt.recipient)]
    listed = list({address.casefold(): address for address in delivery.recipients or tried or addresses}.values())
    sent = {address.casefold() for address in delivery.recipients_sent}
    found = []
    for address in listed:
        attempt = last.get(address.casefold())
        at = attempt.at if attempt else None
        if address.casefold() in sent:
            found.append(RecipientOutcome(address=address, status="sent", at=at))
        elif delivery.status in ("dead", "skipped"):
            error = delivery.reason if delivery.status == "skipped" else delivery.last_error
            found.append(RecipientOutcome(address=address, status=delivery.status, at=at, error=error))
        elif attempt and attempt.outcome == "failed":
            found.append(RecipientOutcome(address=address, status="failed", at=at,
                                          error=f"{attempt.error_code}: {attempt.error}"))
        else:
            found.append(RecipientOutcome(address=address, status="queued", at=at))
    return found


def status(run: Run, integrations: list[IntegrationOutcome]) -> RunStatus:
    """The run's stage: before its deliveries exist, the last stage reached (``late`` once the watchdog found it);
    then the worst of its recipients' outcomes (``dead`` → ``failed`` → ``delivering``), else ``sent``."""
    if run.delivered_at is None:
        if run.late:
            return "late"
        return "stored" if run.stored_at else "rendered" if run.rendered_at else "queued"
    outcomes = {recipient.status for integration in integrations for recipient in integration.recipients}
    for worst, shown in (("dead", "dead"), ("failed", "failed"), ("queued", "delivering")):
        if worst in outcomes:
            return shown  # type: ignore[return-value]
    return "sent" if "sent" in outcomes else "stored"


def shown(stores: Stores, tenant_id: str, runs: list[Run]) -> list[ReportRun]:
    """``runs`` with their integrations' and recipients' outcomes: the deliveries in one batch read, the tenant's
    integrations (their names and addresses) in one Query."""
    integrations = {integration.id: integration for integration in stores.integrations.all_for_tenant(tenant_id)}
    ids = {(run.id, integration_id): delivery_id(period_from_key(run.frequency, run.timezone, run.period_key).end,
                                                 f"report:{run.report_id}", integration_id)
           for run in runs for integration_id in run.integration_ids}
    found = stores.deliveries.read(Keys(deliveries={(tenant_id, delivery) for delivery in ids.values()})).deliveries
    listed = []
    for run in runs:
        if run.delivered_at and not run.integration_ids:
            continue  # nobody took it at its hour (a weekly job for SLA reminders alone): nothing to show
        outcomes = []
        for integration_id in run.integration_ids:
            integration = integrations.get(integration_id)
            delivery = found.get((tenant_id, ids[run.id, integration_id]))
            outcomes.append(IntegrationOutcome(
                integration_id=integration_id, name=integration.name if integration else None,
                delivery_id=ids[run.id, integration_id], status=delivery.status if delivery else "missing",
                recipients=recipients(delivery, integration.emails if integration else [])))
        listed.append(ReportRun(**run.model_dump(), tenant_id=tenant_id, integration_ids=run.integration_ids,
                                status=status(run, outcomes), integrations=outcomes))
    return listed
