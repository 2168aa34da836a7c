"""Whose failure is it: SES's refusals that name our own setup are ours (never counted, retried, paged), a
recipient's are the integration's; and the health pass's circuit breaker bound."""

import pytest

from chalicelib.aws import mailer
from chalicelib.integrations.health import breaker_open
from chalicelib.settings import get_settings

SANDBOX = "Email address is not verified. The following identities failed the check in region US-EAST-1: {}"


@pytest.mark.parametrize(("code", "message"), [
    ("MessageRejected", SANDBOX.format("{sender}")),
    ("MessageRejected", SANDBOX.format("soc@acme.io, {sender}")),  # sandbox: our sender and a recipient
    ("MessageRejected", "Did not have authority to send from email {sender}"),  # moto's words
    ("AccessDenied", "User `arn:aws:sts::1:assumed-role/r/x' is not authorized to perform `ses:SendRawEmail'"),
    ("AccessDeniedException", "not authorized"),
    ("ConfigurationSetDoesNotExist", "Configuration set <email-report> does not exist."),
    ("ConfigurationSetSendingPausedException", "Sending is paused for this configuration set."),
    ("AccountSendingPausedException", "Account sending paused."),
    ("MailFromDomainNotVerified", "Mail-From domain is not verified."),
    ("MailFromDomainNotVerifiedException", "MAIL FROM domain not verified"),
])
def test_our_setup_is_ours_and_pages(code, message):
    text = message.format(sender=get_settings().sender_email.upper())  # SES may spell it in any case
    assert mailer.misconfigured(code, text) and mailer.SendError(code, text, 400).sender_side


@pytest.mark.parametrize(("code", "message"), [
    ("MessageRejected", SANDBOX.format("soc@acme.io")),  # a recipient in the sandbox: the integration's
    ("MessageRejected", "Email address is not verified."),
    ("MessageRejected", SANDBOX.format("x{sender}")),  # an address that merely ends like ours
    ("Throttling", "Maximum sending rate exceeded."),  # our capacity: not counted, but no page
])
def test_other_refusals_do_not_page(code, message):
    assert not mailer.misconfigured(code, message.format(sender=get_settings().sender_email))


@pytest.mark.parametrize(("disables", "evaluated", "opened"), [
    (5, 5, False), (6, 6, True), (5, 20, False), (6, 20, True), (10, 100, False), (11, 100, True),
    (30, 100, True), (0, 0, False), (100, 1000, False), (101, 1000, True),
])
def test_the_breaker_opens_above_five_and_above_a_tenth(disables, evaluated, opened):
    assert breaker_open(disables, evaluated) is opened
