"""Our failure is ours: SES refusing for our own setup (the sender identity deleted, AccessDenied, a missing
configuration set, a paused account, an unverified MAIL FROM domain) counts against no integration, spends no
retry schedule and pages us; the deliveries wait and go out once we fix it. And the health pass's circuit breaker:
a pass that would disable too many integrations at once disables none. Time is the injected clock."""

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import clock
from chalicelib.aws import counters_repo, mailer
from chalicelib.aws.clients import client
from chalicelib.delivery.worker import MISCONFIGURED_METRIC
from chalicelib.integrations.health import BREAKER_METRIC
from chalicelib.settings import get_settings
from local.pollers import clock_jumper, poll_once
from tests.support.checks import metrics
from tests.support.integrations import record_requests
from tests.support.lambdas import run_health_check
from tests.support.pipeline import outbox

INTEGRATIONS = 3


def paged(caplog: pytest.LogCaptureFixture, words: str) -> bool:
    """Whether a line logged at ERROR (what the alarms page on) says ``words``."""
    return any(record.levelname == "ERROR" and words in record.getMessage() for record in caplog.records)


def post(acme: Any, *ids: str) -> None:
    events = [{"id": event_id, "type": "vulnerability.detected", "time": "2026-11-25T09:59:00Z",
               "data": {"risk": "high", "title": f"Finding {event_id}"}} for event_id in ids]
    assert acme.call("POST", "/v1/events", {"events": events})[0] == 202


def work_for(pipeline: Any, hours: float) -> None:
    """Run the delivery worker on every try that falls due in the next ``hours`` of injected time."""
    until = clock.shift(clock.now(), timedelta(hours=hours))
    jump = clock_jumper(pipeline.jump)
    while clock.now() < until and poll_once(get_settings().delivery_queue, pipeline.worker, before_invoke=jump):
        pass


def sender_identity(present: bool) -> None:
    """Delete the sender's identity from (moto's) SES, or verify it again."""
    ses, sender = client("ses"), get_settings().sender_email
    if present:
        ses.verify_email_identity(EmailAddress=sender)
    else:
        ses.delete_identity(Identity=sender)


def deleted_in_moto(flaky_ses: Any) -> Callable[[bool], None]:
    """The identity really deleted: moto's own send refuses, naming our sender."""
    sender_identity(False)
    with pytest.raises(mailer.SendError) as refused:
        mailer.send_raw(get_settings().sender_email, ["probe@acme.io"], b"Subject: probe\r\n\r\nprobe")
    assert refused.value.code == "MessageRejected" and get_settings().sender_email in refused.value.message
    assert mailer.misconfigured(refused.value.code, refused.value.message)
    return sender_identity


def refused_by_ses(code: str, message: str) -> Callable[[Any], Callable[[bool], None]]:
    """SES's own words for a setup of ours that is broken, injected until it is mended (moto has no such fault)."""
    def inject(flaky_ses: Any) -> Callable[[bool], None]:
        flaky_ses.fail_next(100_000, code, message.format(sender=get_settings().sender_email))
        return lambda present: flaky_ses.failures.clear()
    return inject


# moto's own refusal and one of SES's words, end to end; every code and wording SES uses for a setup of ours is
# classified in tests/unit/test_our_failure.py, and past that every one takes this same path
@pytest.mark.parametrize("breakage", [
    deleted_in_moto,
    refused_by_ses("AccessDenied", "User `arn:aws:sts::123456789012:assumed-role/delivery_worker/x' is not "
                                   "authorized to perform `ses:SendRawEmail' on resource "
                                   "`arn:aws:ses:us-east-1:123456789012:identity/{sender}'"),
], ids=["identity-deleted-in-moto", "access-denied"])
def test_a_broken_setup_of_ours_blames_nobody_and_its_deliveries_wait(api, acme, pipeline, flaky_ses, capfd,
                                                                      caplog, breakage):
    # GIVEN three integrations that mail high-risk findings (the default one deleted), one finding delivered to each
    [default] = acme.call("GET", "/v1/integrations")[1]["items"]
    acme.call("DELETE", f"/v1/integrations/{default['id']}")
    integrations = [acme.integration(name=f"I{n}", emails=f"i{n}@acme.io", events=["vuln_high"])
                    for n in range(INTEGRATIONS)]
    post(acme, "before")
    pipeline.drain()
    start = clock.now()
    # WHEN our setup breaks mid-run, two more findings come in, and the worker retries for two hours
    mend = breakage(flaky_ses)
    capfd.readouterr()
    caplog.clear()
    post(acme, "during-1", "during-2")
    work_for(pipeline, hours=2)
    checked = run_health_check(api, "during")
    # THEN nothing is counted against any integration, none is disabled, each delivery waits, and we are paged
    statuses = Counter(d["status"] for d in pipeline.deliveries() if d["event_id"].startswith("during"))
    assert statuses == {"retrying": 2 * INTEGRATIONS}
    for integration in integrations:
        assert acme.call("GET", f"/v1/integrations/{integration['id']}")[1]["active"] is True
        assert [(total, failed) for _, total, failed in counters_repo.request_buckets(
            acme.id, integration["id"], clock.shift(start, -timedelta(hours=1)))] == [(1, 0)]  # "before" alone
    assert checked["disabled"] == checked["warned"] == 0
    out = capfd.readouterr().out
    tries = metrics(out)["DeliveriesFailed"]
    assert tries > 2 * INTEGRATIONS * 5 and metrics(out)[MISCONFIGURED_METRIC] == tries
    assert paged(caplog, "our own setup")
    # WHEN we mend it (the identity verified again, the permission or configuration set restored)
    mend(True)
    pipeline.drain()
    # THEN every waiting delivery goes out, once per recipient and finding
    sent = Counter((m.to[0], m.subject) for m in outbox() if "Finding during" in m.subject)
    assert len(sent) == 2 * INTEGRATIONS and set(sent.values()) == {1}
    assert {to for to, _ in sent} == {f"i{n}@acme.io" for n in range(INTEGRATIONS)}
    assert all(d["status"] == "sent" for d in pipeline.deliveries())


def test_a_recipient_refused_in_the_sandbox_still_counts(api, acme, pipeline, flaky_ses):
    # GIVEN SES's sandbox refuses one integration's recipient (its text names that address, not our sender)
    soc = acme.integration(name="SOC", emails="soc@acme.io", events=["vuln_high"])
    flaky_ses.reject("soc@acme.io")
    # WHEN its deliveries fail through the schedule
    post(acme, "r-1")
    pipeline.drain()
    run_health_check(api, "sandbox")
    # THEN it is the integration's failure: counted, and auto-disabled
    assert acme.call("GET", f"/v1/integrations/{soc['id']}")[1]["active"] is False


def failing_integrations(acme: Any, clock_: Any, total: int, failing: int) -> list[dict[str, Any]]:
    """``total`` evaluated integrations of acme (its default one included): ``failing`` of them at 80% failed
    requests, the others at 20% (evaluated, below the warning)."""
    [default] = acme.call("GET", "/v1/integrations")[1]["items"]
    everyone = [default, *(acme.integration(name=f"I{n}", emails=f"i{n}@acme.io", events=["vuln_high"])
                           for n in range(total - 1))]
    for n, integration in enumerate(everyone):
        record_requests(acme, integration, clock_, ok=2 if n < failing else 16, failed=8 if n < failing else 4,
                        hours_ago=1)
    return everyone


# the bound on both sides, end to end; the share's cases (6 of 60 act, 7 of 67 do not) are decided on fakes in
# tests/unit/test_auto_disable_decisions.py
@pytest.mark.parametrize(("total", "failing", "disabled"), [(20, 5, 5), (20, 6, 0)])
def test_the_circuit_breaker_holds_a_pass_that_would_disable_too_many(api, acme, frozen_clock, capfd, caplog,
                                                                       total, failing, disabled):
    # GIVEN `failing` of `total` evaluated integrations at 80% failed requests
    everyone = failing_integrations(acme, frozen_clock, total, failing)
    capfd.readouterr()
    caplog.clear()
    # WHEN the health check runs
    outcome = run_health_check(api, "breaker")
    # THEN more than max(5, 10%) of them disables none, emits the metric and logs at ERROR; at the bound it acts
    assert outcome["checked"] == total and outcome["disabled"] == disabled
    assert outcome["held"] == (failing if not disabled else 0)
    active = [acme.call("GET", f"/v1/integrations/{i['id']}")[1]["active"] for i in everyone]
    assert active.count(False) == disabled
    out = capfd.readouterr().out
    assert metrics(out)[BREAKER_METRIC] == (0 if disabled else 1)
    assert paged(caplog, "circuit open") == (disabled == 0)
