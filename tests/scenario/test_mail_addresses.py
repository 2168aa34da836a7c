"""One address rule for what the API accepts and what the mailer sends to (``models.common``): an address that holds
an encoded word or a line break is refused at the door (422, nothing changes); one that an old row still holds is
that recipient's recorded failure — in Test integration and in a real delivery — while the others get their mail."""

import logging
from typing import Any

import boto3
import pytest

from chalicelib.settings import get_settings
from tests.support.api import OPERATOR, Api, TenantHandle
from tests.support.checks import assert_error, detail_paths, integration_items
from tests.support.pipeline import outbox

BAD = ["=?utf-8?q?=0A?=x@acme.io", "=?utf-8?b?DQpCY2M6IGVAZXZpbC5pbw==?=@acme.io", "a=?b@acme.io",
       "=?iso-8859-1?q?=0D=0A?=@acme.io", "x@acme.io\r\nBcc: e@evil.io", "j\u00f6rg@acme.io"]
OLD_ROW_ADDRESS = "=?utf-8?q?=0A?=x@acme.io"


@pytest.mark.parametrize("address", BAD)
def test_an_address_a_mail_cannot_carry_is_refused_everywhere(api: Api, acme: TenantHandle, address: str) -> None:
    # GIVEN an integration with good addresses
    soc = acme.integration(name="SOC", emails="good@acme.io")
    before = integration_items(acme.id)
    # WHEN the address is given on create, on PATCH, in a draft's test and as a tenant's primary email
    created = acme.call("POST", "/v1/integrations", {"name": "New", "emails": ["ok@acme.io", address]})
    patched = acme.call("PATCH", f"/v1/integrations/{soc['id']}", {"emails": ["good@acme.io", address]})
    tested = acme.call("POST", "/v1/integrations/test", {"name": "Draft", "emails": [address]})
    status, body, _ = api.call("POST", "/v1/tenants", body={"name": "Evil", "primary_email": address},
                               headers=OPERATOR)
    # THEN each is a 422 naming the address's place, nothing is saved and nothing is sent
    assert detail_paths(assert_error(created, 422)) == ["emails.1"]
    assert detail_paths(assert_error(patched, 422)) == ["emails.1"]
    assert detail_paths(assert_error(tested, 422)) == ["emails.0"]
    assert detail_paths(assert_error((status, body), 422)) == ["primary_email"]
    assert integration_items(acme.id) == before and outbox() == []


def _old_row(tenant: TenantHandle, integration_id: str, emails: list[str]) -> None:
    """Write ``emails`` straight to the stored integration, as a row written before the rule would hold them."""
    table = boto3.resource("dynamodb", region_name=get_settings().aws_region).Table(get_settings().integrations_table)
    table.update_item(Key={"tenant_id": tenant.id, "sk": f"int#{integration_id}"},
                      UpdateExpression="SET emails = :emails", ExpressionAttributeValues={":emails": emails})


def test_test_integration_names_an_old_rows_bad_address_and_sends_to_the_others(acme: TenantHandle,
                                                                               caplog: Any) -> None:
    # GIVEN a saved integration whose stored row holds a bad address beside a good one
    soc = acme.integration(name="SOC", emails="good@acme.io", events=["vuln_high"])
    _old_row(acme, soc["id"], ["good@acme.io", OLD_ROW_ADDRESS])
    # WHEN it is tested
    with caplog.at_level(logging.ERROR):
        status, body = acme.call("POST", f"/v1/integrations/{soc['id']}/test")
    # THEN the answer is a failed step naming the address (no 500), and the good address got its sample
    assert status == 200 and body["ok"] is False, body
    [step] = [step for step in body["steps"] if step["step"] == "send_vuln_high"]
    assert step["ok"] is False and step["detail"].startswith(
        f"sent to good@acme.io; not sent to {OLD_ROW_ADDRESS}: MessageNotBuilt: no message could be built for "
        f"this address: {OLD_ROW_ADDRESS!r} is not a valid email address"), step
    assert [mail.to for mail in outbox()] == [["good@acme.io"]]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == ["message not built"]


def test_a_delivery_sends_to_the_good_address_and_records_the_bad_ones_failure(acme: TenantHandle, pipeline: Any,
                                                                             caplog: Any) -> None:
    # GIVEN an integration whose stored row holds a bad address beside a good one
    soc = acme.integration(name="SOC", emails="good@acme.io", events=["vuln_high"])
    _old_row(acme, soc["id"], ["good@acme.io", OLD_ROW_ADDRESS])
    # WHEN a vulnerability is mailed to it and the pipeline runs its whole retry schedule
    status, body = acme.call("POST", "/v1/events", {"events": [{
        "id": "v1", "type": "vulnerability.detected", "time": "2026-11-25T09:30:00Z",
        "data": {"risk": "high", "title": "SQLi in /login", "host": "api.acme.io"}}]})
    assert status == 202, body
    with caplog.at_level(logging.ERROR):
        pipeline.drain()
    # THEN the good address got the mail once, and the log shows the bad one's failure on every try, never stuck
    assert [mail.to for mail in outbox() if mail.to != ["sec@acme.io"]] == [["good@acme.io"]]
    status, log = acme.call("GET", f"/v1/integrations/{soc['id']}/deliveries")
    [delivery] = log["items"]
    assert delivery["status"] == "dead", delivery
    failed = [a for a in delivery["attempts"] if a["outcome"] != "sent"]
    assert failed and {(a["recipient"], a["outcome"], a["error_code"]) for a in failed} == {
        (OLD_ROW_ADDRESS, "failed", "MessageNotBuilt")}
    assert [a["recipient"] for a in delivery["attempts"] if a["outcome"] == "sent"] == ["good@acme.io"]
    assert f"{OLD_ROW_ADDRESS!r} is not a valid email address" in delivery["last_error"]
    assert {r.getMessage() for r in caplog.records if r.levelno == logging.ERROR} == {"message not built"}
    # AND it counts against the integration, as a refused address does (so auto-disable sees it)
    read = acme.call("GET", f"/v1/integrations/{soc['id']}")[1]
    assert read["health"] == "failing" and OLD_ROW_ADDRESS in read["health_detail"], read
