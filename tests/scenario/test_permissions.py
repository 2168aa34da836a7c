"""The permission check (tests/support/permissions.py) on one path of the tier. Over the whole tier it runs at the
session's end; here, a preview of a tenant with a vulnerability reads the security table with one BatchGetItem,
which the packaged policy of ``api_handler`` must grant."""

import copy
from typing import Any

import pytest

from tests.support import packaging, permissions

VULNERABILITY = {"id": "v1", "type": "vulnerability.detected", "time": "2026-11-24T20:00:00Z",
                 "data": {"risk": "high", "title": "XSS in /search", "host": "api.example.io"}}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return packaging.template()


def _without(template: dict[str, Any], function: str, action: str) -> dict[str, Any]:
    """``template`` with ``action`` taken out of every statement of ``function``'s role."""
    changed = copy.deepcopy(template)
    role = changed["Resources"][changed["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]]
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            statement["Action"] = [one for one in statement["Action"] if one != action]
    return changed


def test_a_call_the_policy_does_not_grant_fails_the_check_naming_function_action_and_resource(
        acme: Any, template: dict[str, Any]) -> None:
    # GIVEN a tenant with an open vulnerability
    status, _ = acme.call("POST", "/v1/events", {"events": [VULNERABILITY]})
    assert status == 202

    # WHEN it previews its daily report, the calls recorded
    with permissions.captured() as made:
        status, body = acme.call("POST", "/v1/reports/preview", {"frequency": "daily", "period_end": "2026-11-24"})
    assert status == 200, body
    record = dict.fromkeys(made, "this test")

    # THEN the packaged policies allow every call; without BatchGetItem the check names what is missing
    assert permissions.check(template, record, complete=False).failures() == []
    report = permissions.check(_without(template, "APIHandler", "dynamodb:BatchGetItem"), record, complete=False)
    assert report.failures() == ["denied: api_handler: dynamodb:BatchGetItem on "
                                 "arn:aws:dynamodb:us-east-1:123456789012:table/email-report-security "
                                 "(first in this test)"]


def test_every_function_of_the_template_must_run_and_grants_nothing_used_are_listed(
        acme: Any, template: dict[str, Any]) -> None:
    with permissions.captured() as made:
        status, _ = acme.call("GET", "/v1/integrations")
    assert status == 200

    report = permissions.check(template, dict.fromkeys(made, "this test"), complete=True)

    idle = [line.split(" ")[2] for line in report.failures() if line.startswith("never exercised")]
    assert set(idle) == set(permissions.functions(template)) - {"api_handler"}
    assert "delivery_worker" in idle and "ses_feedback" in idle
    assert any(line.startswith("api_handler") and "sqs:SendMessage" in line for line in report.unused)


QUEUE = "arn:aws:sqs:us-east-1:123456789012:email-report"


@pytest.mark.parametrize(("function", "action", "denied"), [
    ("DeliveryWorker", "sqs:ReceiveMessage",
     f"delivery_worker: sqs:ReceiveMessage on {QUEUE}-deliveries (Lambda polls the function's SQS event source)"),
    ("HealthCheck", "sqs:SendMessage",
     f"health_check: sqs:SendMessage on {QUEUE}-local-async-dlq (Lambda sends the function's asynchronous OnFailure "
     "record)"),
])
def test_what_lambda_does_for_a_function_is_checked_too(template: dict[str, Any], function: str, action: str,
                                                        denied: str) -> None:
    report = permissions.check(_without(template, function, action), {}, complete=False)

    assert report.failures() == [f"denied: {denied}"]
