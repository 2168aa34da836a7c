"""Who gets an event (``events.router.plan``): subscribers by the registry's subscription, disabled ones a skipped
row, the integration a notice is about told whatever its state, vulnerabilities by risk and by what changed."""

from datetime import timedelta

from chalicelib import clock
from chalicelib.events import router
from chalicelib.models.security import Vulnerability, VulnerabilityChange
from tests.support.domain import event, integration

SOC = integration("soc", "system", "vuln_high")
OPS = integration("ops", "system", active=False)
DEV = integration("dev", "vuln_medium", "vuln_low")
REPORTS = integration("reports", "report_weekly")
ALL = [SOC, OPS, DEV, REPORTS]


def who(plan: router.Plan | None) -> dict[str, str | None]:
    """integration id → ``None`` when it is sent the mail, else why it only gets a row."""
    assert plan is not None
    return {target.integration.id: target.skipped for target in plan.targets}


def vulnerability(risk: str, status: str, previous: str | None) -> VulnerabilityChange:
    start = clock.now() - timedelta(days=3)
    observed = [{"at": start, "status": "closed"}, {"at": clock.now(), "status": "open"}] if status == "reopened" \
        else [{"at": start, "status": status}]
    record = Vulnerability.model_validate({"id": "v1", "at": start, "risk": risk, "title": "SQLi in /login",
                                           "host": "api.acme.io", "observed": observed})
    return VulnerabilityChange(vulnerability=record, previous_status=previous)


def test_a_system_event_goes_to_its_active_subscribers_and_a_disabled_one_gets_a_skipped_row() -> None:
    plan = router.plan(event("user.created", email="ann@acme.io"), lambda: ALL)

    assert plan is not None and plan.kind == "system"
    assert who(plan)["soc"] is None
    assert "disabled (manual)" in (who(plan)["ops"] or "") and "redrive" in (who(plan)["ops"] or "")
    assert set(who(plan)) == {"soc", "ops"}


def test_the_integration_a_notice_is_about_is_told_though_disabled_or_already_gone() -> None:
    gone = integration("gone", "system", active=False)

    disabled = router.plan(event("integration.disabled", integration_id="ops"), lambda: ALL, farewell=OPS)
    deleted = router.plan(event("integration.deleted", integration_id="gone"), lambda: ALL, farewell=gone)

    assert disabled and [(t.integration.id, t.farewell) for t in disabled.targets] == [("soc", False), ("ops", True)]
    assert who(disabled) == {"soc": None, "ops": None}
    assert deleted and [(t.integration.id, t.farewell) for t in deleted.targets][-1] == ("gone", True)
    assert who(deleted)["gone"] is None and who(deleted)["ops"] is not None


def test_a_farewell_that_does_not_take_system_notices_is_not_told() -> None:
    plan = router.plan(event("integration.deleted", integration_id="dev"), lambda: ALL, farewell=DEV)

    assert set(who(plan)) == {"soc", "ops"}


def test_a_vulnerability_goes_to_the_subscribers_of_its_risk_as_what_it_changed() -> None:
    raw = event("vulnerability.detected", risk="high", title="SQLi in /login")
    changes = [("high", "open", None), ("medium", "open", None), ("high", "closed", "open"),
               ("low", "reopened", "closed")]

    detected, medium, fixed, reopened = [router.plan(raw, lambda: ALL, vulnerability=vulnerability(*change))
                                         for change in changes]
    assert detected and detected.mailed.type == "vulnerability.detected" and who(detected) == {"soc": None}
    assert medium and medium.kind == "vuln_medium" and who(medium) == {"dev": None}
    assert fixed and fixed.mailed.type == "vulnerability.status_changed" and fixed.mailed.data["status"] == "closed"
    assert who(fixed) == {"soc": None}
    assert reopened and reopened.kind == "vuln_low" and reopened.mailed.data["previous_status"] == "closed"


def test_a_vulnerability_change_that_calls_for_no_mail_goes_to_nobody() -> None:
    raw = event("vulnerability.detected", risk="high", title="SQLi in /login")

    assert router.plan(raw, lambda: ALL, vulnerability=vulnerability("high", "open", "open")) is None
    assert router.plan(raw, lambda: ALL, vulnerability=vulnerability("high", "false_positive", "open")) is None
    assert router.plan(raw, lambda: ALL, vulnerability=None) is None


def test_an_event_nobody_subscribes_to_or_that_is_never_mailed_goes_to_nobody_without_reading_integrations() -> None:
    def unread() -> list:
        raise AssertionError("read the integrations for an event that is never mailed")

    assert router.plan(event("attack.detected", count=3), unread) is None
    assert router.plan(event("scope.changed", change="added"), lambda: ALL) is None
    assert router.reach(event("attack.detected", count=3), unread) == 0
    assert router.reach(event("vulnerability.detected", risk="low", title="x"), lambda: ALL) == 2  # before the risk
