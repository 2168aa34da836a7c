"""`make run`'s stack as a developer meets it: a child process, real HTTP, the printed tokens, Ctrl-C."""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.loops import processes
from local.workers import NICENESS
from tests.support.stack_process import HttpApi, RunningStack, local_stack

HTTP_TIMEOUT = 10
pytestmark = pytest.mark.xdist_group("local_stack")  # one worker: the module's child stack starts once


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    log = tmp_path_factory.mktemp("stack") / "stderr.log"
    with local_stack(log, without=("OPERATOR_TOKEN",)) as running:
        yield running


def http(stack: RunningStack, method: str, path: str, token: str | None = None,
         body: Any = None) -> tuple[int, Any]:
    status, parsed, _ = HttpApi(stack.api_url).call(method, path, body, token=token)
    return status, parsed


def test_serves_the_openapi_document(stack: RunningStack) -> None:
    status, document = http(stack, "GET", "/v1/openapi.json")

    assert status == 200
    assert document["openapi"].startswith("3.1")
    assert "/v1/integrations" in document["paths"]


@pytest.mark.parametrize("method", ["TRACE", "PUT"])
def test_an_undeclared_method_is_a_405_with_allow_not_an_html_501(stack: RunningStack, method: str) -> None:
    request = urllib.request.Request(stack.api_url + "/v1/integrations", method=method)
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=HTTP_TIMEOUT)
    assert answer.value.code == 405 and answer.value.headers["Allow"] == "GET, POST"
    assert json.loads(answer.value.read())["error"]["code"] == "method_not_allowed"


def test_demo_token_drives_an_integration_through_its_life(stack: RunningStack) -> None:
    token = stack.values["ADMIN_TOKEN"]

    status, created = http(stack, "POST", "/v1/integrations", token,
                           {"name": "SOC", "emails": "A@acme.io, b@acme.io, a@acme.io", "events": ["system", "vuln"]})
    assert status == 201, created
    assert created["type"] == "email" and created["name"] == "SOC"
    assert created["emails"] == ["A@acme.io", "b@acme.io"]
    assert created["events"] == ["system", "vuln_high", "vuln_medium", "vuln_low"]
    assert created["active"] is True and created["disabled_reason"] is None
    path = f"/v1/integrations/{created['id']}"

    status, listed = http(stack, "GET", "/v1/integrations", token)
    assert status == 200
    assert {item["name"] for item in listed["items"]} == {"Primary email", "SOC"}
    assert listed["next_cursor"] is None

    status, disabled = http(stack, "POST", f"{path}/disable", token)
    assert (status, disabled["active"], disabled["disabled_reason"]) == (200, False, "manual")

    status, enabled = http(stack, "POST", f"{path}/enable", token)
    assert (status, enabled["active"], enabled["disabled_reason"]) == (200, True, None)

    assert http(stack, "DELETE", path, token) == (204, None)
    status, missing = http(stack, "GET", path, token)
    assert status == 404 and missing["error"]["code"] == "not_found"


def test_prints_a_random_operator_token_that_creates_tenants(stack: RunningStack) -> None:
    token = stack.values["OPERATOR_TOKEN"]
    assert len(token) >= 32

    status, body = http(stack, "POST", "/v1/tenants", token, {"name": "Globex", "primary_email": "it@globex.example"})

    assert status == 201, body
    assert body["tenant"]["name"] == "Globex" and body["admin_token"]


def wait_for_mail(stack: RunningStack, subject: str, to: str, timeout: float = 120) -> dict[str, Any]:
    # The stack's workers run at a lower priority than its API (as Lambda never slows the API); on a machine busy
    # with other test workers they may take a minute or more, so the waits are generous: they end at the mail.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = http(stack, "GET", "/local/outbox.json")[1]
        found = [m for m in mails if m["subject"].startswith(subject) and m["to"] == [to]]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no mail {subject!r} in the outbox")


def test_events_are_delivered_by_the_queue_poller_and_shown_in_the_outbox(stack: RunningStack) -> None:
    token = stack.values["ADMIN_TOKEN"]
    status, _ = http(stack, "POST", "/v1/integrations", token,
                     {"name": "Outbox", "emails": "outbox@demo.example", "events": ["vuln_high"]})
    assert status == 201
    event = {"id": "local-1", "type": "vulnerability.detected", "time": "2026-11-25T10:00:00Z",
             "data": {"risk": "high", "title": "SQLi in /login"}}
    assert http(stack, "POST", "/v1/events", token, {"events": [event]})[0] == 202
    mail = wait_for_mail(stack, "[High] Vulnerability: SQLi in /login", "outbox@demo.example")
    assert "SQLi in /login" in mail["text"] and "SQLi in /login" in mail["html"]
    with urllib.request.urlopen(stack.api_url + "/local/outbox", timeout=HTTP_TIMEOUT) as response:
        page = response.read().decode()
    assert "Vulnerability: SQLi in /login" in page and "<iframe sandbox" in page


def test_the_demo_tenant_gets_last_weeks_report_with_its_pdf(stack: RunningStack) -> None:
    # two weeks of demo hours, each with its breakdowns by type, host, source IP, country and endpoint
    mail = wait_for_mail(stack, "Weekly security report", "security@demo.example", timeout=400)
    [attachment] = mail["attachments"]
    assert attachment["filename"].endswith(".pdf") and attachment["bytes"] > 10_000
    # its links lead to this stack's console, on the port it got (PORT=0), not to the default 8000
    assert f'href="{stack.api_url}/console' in mail["html"] and ":8000" not in mail["html"] + mail["text"]
    with urllib.request.urlopen(stack.api_url + "/local/outbox", timeout=HTTP_TIMEOUT) as response:
        assert 'href="data:application/pdf;base64,' in response.read().decode()


def test_test_integration_reads_the_lifted_ses_quota(stack: RunningStack) -> None:
    status, body = http(stack, "POST", "/v1/integrations/test", stack.values["ADMIN_TOKEN"],
                        {"name": "Quota", "emails": "quota@demo.example", "events": ["vuln_low"]})
    assert status == 200 and body["ok"] is True, body
    assert body["steps"][1]["step"] == "ses_sending" and body["steps"][1]["detail"].startswith("no 24-hour")


def worker_processes(pid: int) -> dict[int, str]:
    """The stack's child processes (Linux's /proc) and the loop each runs."""
    children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    commands = {child: Path(f"/proc/{child}/cmdline").read_text().split("\0") for child in children}
    return {child: command[3] for child, command in commands.items() if command[1:3] == ["-m", "local.workers"]}


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[16])


def test_ctrl_c_stops_the_stack_and_its_worker_processes(stack: RunningStack) -> None:
    workers = worker_processes(stack.process.pid)
    # below the API's process: a worker never slows the API down
    assert {niceness(pid) for pid in workers} == {min(niceness(stack.process.pid) + NICENESS, 19)}
    expected = processes()
    if "demo-data" not in workers.values():
        expected.remove("demo-data")  # done: it ends once the demo tenant's data and report are queued
    # each poller and schedule in a process of its own, two for the delivery queue
    assert sorted(workers.values()) == sorted(expected) and expected.count("delivery-queue") == 2

    assert stack.stop() == 0
    assert stack.process.poll() == 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
