"""Test integration: check the configuration and that mail can go out, then send one
``[Test message]`` sample of each subscribed kind (and of the digest, for an integration that takes one),
directly (no retries, not counted in ratios)."""

from datetime import datetime
from typing import cast

from chalicelib import clock, limits
from chalicelib.aws import integrations_repo, mailer
from chalicelib.delivery.send import NOT_BUILT, send_each
from chalicelib.digests.periods import period_containing
from chalicelib.email import digests as digest_mails
from chalicelib.email import notifications
from chalicelib.email import reports as report_mails
from chalicelib.email.list_headers import MailingList
from chalicelib.email.message import Content
from chalicelib.events import words
from chalicelib.events.samples import KINDS, sample
from chalicelib.models.digests import DigestEntry, DigestFrequency
from chalicelib.models.integrations import Integration, IntegrationCreate, TestResult, TestStep
from chalicelib.models.tenants import Tenant
from chalicelib.reports import generation, protection
from chalicelib.reports.periods import FREQUENCIES
from chalicelib.settings import get_settings
from chalicelib.suppressions import service as suppressions


def rate_limit(tenant_id: str, subject: str) -> None:
    """At most N tests per integration (drafts count as one) and M per tenant in any rolling window → 429
    with ``Retry-After``. The tenant's limit is what deleting and re-creating an integration cannot reset."""
    settings = get_settings()
    window = settings.test_rate_window_seconds
    limits.enforce(
        limits.Limit(f"tests#{tenant_id}#{subject}", settings.test_rate_limit, window,
                     "tests of this integration" if subject != "draft" else "tests of unsaved integrations"),
        limits.Limit(f"tests#{tenant_id}", settings.test_tenant_rate_limit, window, "tests per tenant"),
    )


def _send_step(name: str, recipients: list[str], content: Content, tags: dict[str, str],
               listing: MailingList) -> TestStep:
    """One message per recipient, as real deliveries go; the step names each address SES refused or no message
    could be built for."""
    test = content.as_test()
    outcomes = send_each(recipients, test, tags, listing=listing)
    refused = [f"{'not sent' if o.error.code == NOT_BUILT else 'SES refused the message'} to {o.recipient}: "
               f"{o.error.code}: {o.error.message}" for o in outcomes if o.error]
    sent = [o.recipient for o in outcomes if not o.error]
    detail = "; ".join([*([f"sent to {', '.join(sent)}"] if sent else []), *refused])
    return TestStep(step=name, ok=not refused, detail=detail, subject=test.subject,
                    message_ids=[o.message_id for o in outcomes if o.message_id])


def _mail_checks() -> list[TestStep]:
    sender = get_settings().sender_email
    can_send, sending_detail = mailer.sending_status()
    status = mailer.identity_status(sender)
    return [
        TestStep(step="ses_sending", ok=can_send, detail=sending_detail),
        TestStep(step="sender_identity", ok=status == "Success",
                 detail=f"{sender}: {'verified' if status == 'Success' else f'not verified ({status})'}"),
    ]


def _suppression_step(suppressed: list[str], total: int) -> list[TestStep]:
    """Nothing when no address is suppressed; else which are left out (and a failure if all are)."""
    if not suppressed:
        return []
    if len(suppressed) == total:
        return [TestStep(step="suppressions", ok=False,
                         detail=f"every address is {suppressions.listed(suppressed)}; remove them from the list "
                                "to test them")]
    return [TestStep(step="suppressions", ok=True, detail=f"left out, {suppressions.listed(suppressed)}")]


def _sample_digest(tenant: Tenant, draft: IntegrationCreate | Integration, samples: dict[str, Content],
                   now: datetime) -> Content:
    """The digest this integration would get for the current period, listing the samples just sent (or, when it
    takes no notification kind, a sample trigger alert: alerts are gathered too)."""
    entries = [DigestEntry(source_id=f"test-{kind}", group=kind, headline=content.summary, at=now)
               for kind, content in samples.items()] or [
        DigestEntry(source_id="test-alert", group="alert", at=now,
                    headline="Trigger “Sample”: more than 100 attacks in one hour — SQL injection on api.example.com")]
    period = period_containing(cast(DigestFrequency, draft.notifications), tenant.timezone, now)
    return digest_mails.render(tenant.name, tenant.timezone, draft.notifications, period.label(), entries, test=True)


def _sample_password(draft: IntegrationCreate | Integration, saved: Integration | None) -> str | None:
    """What the sample report is protected with, as the real ones would be: the password typed (a draft's), else
    the saved integration's; so a recipient can check that the password opens it."""
    if isinstance(draft, IntegrationCreate) and draft.pdf_password is not None:
        typed = draft.pdf_password.get_secret_value()
        protection.check(typed)
        return typed
    owner = draft if isinstance(draft, Integration) else saved
    return protection.password_of(owner) if owner else None


def run(tenant: Tenant, draft: IntegrationCreate | Integration, saved: Integration | None = None) -> TestResult:
    """Each step with its outcome; sends happen only if mail can go out, and never to suppressed addresses.
    ``saved``: the integration a draft edits, whose PDF password the sample report takes unless one is typed."""
    now = clock.now()
    kinds = [kind for kind in KINDS if kind in draft.events]
    recipients, suppressed = suppressions.split(tenant.id, draft.emails)
    steps = [TestStep(step="configuration", ok=bool(draft.emails),
                      detail=f"{len(draft.emails)} recipient(s); events: {words.subscriptions(draft.events)}"
                      if draft.emails else "no recipients: every address unsubscribed or was removed; add one"),
             *_suppression_step(suppressed, len(draft.emails))]
    steps += _mail_checks()
    # SES hands the tags back with a bounce or complaint, so a test mail's feedback reaches this tenant's list
    tags = {"tenant_id": tenant.id, "kind": "test"}
    # a saved integration's samples carry working unsubscribe links; an unsaved draft has nothing to leave
    listing = MailingList(tenant.id, None, None)
    if isinstance(draft, Integration):
        tags["integration_id"] = draft.id
        listing = MailingList(tenant.id, draft.id, integrations_repo.with_key(draft).unsubscribe_key)
    if all(step.ok for step in steps):
        samples = {kind: notifications.render(sample(kind, now), tenant.name, tenant.timezone, test=True,
                                              sla=tenant.sla_days) for kind in kinds}
        for kind, content in samples.items():
            steps.append(_send_step(f"send_{kind}", recipients, content, tags, listing))
        if draft.notifications != "instant":
            steps.append(_send_step(f"send_digest_{draft.notifications}", recipients,
                                    _sample_digest(tenant, draft, samples, now), tags, listing))
        password = _sample_password(draft, saved)
        for frequency in FREQUENCIES:
            if f"report_{frequency}" in draft.events:
                content = report_mails.sample(tenant.name, *generation.sample(tenant, frequency, now, password),
                                              protected=password is not None)
                steps.append(_send_step(f"send_report_{frequency}", recipients, content, tags, listing))
    else:
        steps.append(TestStep(step="send", ok=False, detail="nothing sent: see the failed step above"))
    ok = all(step.ok for step in steps)
    can_enable = ok and isinstance(draft, Integration) and not draft.active
    return TestResult(ok=ok, steps=steps, can_enable=can_enable)
