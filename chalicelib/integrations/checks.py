"""Test integration: check the configuration and that mail can go out, then send one
``[Test message]`` sample of each subscribed kind, directly (no retries, not counted in ratios)."""


from chalicelib import clock, limits
from chalicelib.email import mailer, notifications
from chalicelib.email.message import Content, build
from chalicelib.events.samples import KINDS, sample
from chalicelib.models import Integration, IntegrationCreate, Tenant, TestResult, TestStep
from chalicelib.reports import jobs
from chalicelib.reports.periods import FREQUENCIES
from chalicelib.settings import get_settings


def rate_limit(tenant_id: str, subject: str) -> None:
    """At most N tests per integration (or per tenant's drafts) per window → 429 with ``Retry-After``."""
    settings = get_settings()
    limits.enforce(f"tests#{tenant_id}#{subject}", settings.test_rate_limit,
                   settings.test_rate_window_seconds, "tests")


def _send_step(name: str, recipients: list[str], content: Content) -> TestStep:
    settings = get_settings()
    test = content.as_test()
    raw = build(settings.sender_email, settings.product_name, recipients, test)
    try:
        message_id = mailer.send_raw(settings.sender_email, recipients, raw)
    except mailer.SendError as error:
        return TestStep(step=name, ok=False, detail=f"SES refused the message: {error.code}: {error.message}",
                        subject=test.subject)
    return TestStep(step=name, ok=True, detail=f"sent to {len(recipients)} recipient(s)", message_ids=[message_id],
                    subject=test.subject)


def _mail_checks() -> list[TestStep]:
    sender = get_settings().sender_email
    can_send, sending_detail = mailer.sending_status()
    status = mailer.identity_status(sender)
    return [
        TestStep(step="ses_sending", ok=can_send, detail=sending_detail),
        TestStep(step="sender_identity", ok=status == "Success",
                 detail=f"{sender}: {'verified' if status == 'Success' else f'not verified ({status})'}"),
    ]


def run(tenant: Tenant, draft: IntegrationCreate | Integration) -> TestResult:
    """Each step with its outcome; sends happen only if mail can go out."""
    now = clock.now()
    kinds = [kind for kind in KINDS if kind in draft.events]
    steps = [TestStep(step="configuration", ok=True,
                      detail=f"{len(draft.emails)} recipient(s); events: {', '.join(draft.events)}")]
    steps += _mail_checks()
    if all(step.ok for step in steps):
        for kind in kinds:
            content = notifications.render(sample(kind, now), tenant.name, tenant.timezone, test=True)
            steps.append(_send_step(f"send_{kind}", draft.emails, content))
        for frequency in FREQUENCIES:
            if f"report_{frequency}" in draft.events:
                content = jobs.sample(tenant, frequency, now)
                steps.append(_send_step(f"send_report_{frequency}", draft.emails, content))
    else:
        steps.append(TestStep(step="send", ok=False, detail="nothing sent: mail cannot go out (see above)"))
    ok = all(step.ok for step in steps)
    can_enable = ok and isinstance(draft, Integration) and not draft.active
    return TestResult(ok=ok, steps=steps, can_enable=can_enable)
