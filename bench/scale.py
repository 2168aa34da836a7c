"""Benchmark: AWS requests and wall time of the periodic passes against the number of integrations, and AWS
requests per delivered mail.

Run with `make bench`, or `python bench/scale.py [--tree DIR] [--label NAME] [--sizes 1000 10000]`. Each size
runs in a fresh process on in-process moto: N tenants, each with its default integration (weekly report,
system, vulnerabilities, scope), written straight into the tables with batch writes (and, where the checkout
has report schedules, each tenant's weekly schedule placed at the end of the week). Then, through the Lambda
handlers (chalice's test client), with a botocore ``before-call`` hook counting every request our code makes:

- health check, quiet (nobody sent) and busy (``SENDERS`` integrations sent 20 requests each this hour, a tenth
  of them with 5 failed: examined, below the warning ratio);
- report scheduler, quiet (Wednesday 10:00 UTC) and busy (Monday 00:05 UTC: every tenant's weekly report is
  due; scheduling pages the hourly invocation fans out through the report queue are run too, the report jobs
  themselves are not);
- one tenant with 3 integrations taking ``vuln_high``: 10 ``vulnerability.detected`` events through
  ``POST /v1/events`` and the delivery worker until the queue is empty; requests per mail sent. The queue
  poller's own ReceiveMessage / DeleteMessage (the event source mapping's, in AWS) are not counted.

``--tree`` measures another checkout with this script (e.g. ``git worktree add /tmp/scale-before d756945``):
its code is imported from there, so the same passes run on the code before and after a change. Results go to
``--json``; ``--results`` shows earlier runs beside this one, in the printed table and in the ``--chart`` PNG.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
SENDERS = 100
EVENTS = 10
NOT_OURS = {"sqs.ReceiveMessage", "sqs.DeleteMessage", "sqs.DeleteMessageBatch"}  # the event source mapping's
WEDNESDAY = datetime(2026, 11, 25, 10, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)


def _enter(tree: Path) -> None:
    """Import the service from ``tree``, with fake credentials and the settings the tests use."""
    os.chdir(tree)
    sys.path.insert(0, str(tree))
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1", "OPERATOR_TOKEN": "bench", "SQS_MAX_DELAY_SECONDS": "0",
                       "POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true",
                       "POWERTOOLS_IDEMPOTENCY_DISABLED": "false",
                       "SES_MAX_SEND_RATE": "1000"})  # moto reports a sandbox 1/s; the tests lift it the same way
    os.environ.pop("AWS_ENDPOINT_URL", None)


_COUNTING: list["Counted"] = []  # the blocks open now


def _count(model: Any, **_: Any) -> None:
    name = f"{model.service_model.service_name}.{model.name}"
    for counted in _COUNTING:
        if name not in NOT_OURS:
            counted.requests[name] += 1


class Counted:
    """Counts the requests made and the wall time spent inside ``with`` blocks, by ``service.Operation``."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.seconds = 0.0

    def __enter__(self) -> "Counted":
        _COUNTING.append(self)
        self._started = time.perf_counter()
        return self

    def __exit__(self, *_: Any) -> None:
        self.seconds += time.perf_counter() - self._started
        _COUNTING.remove(self)

    def result(self) -> dict[str, Any]:
        return {"requests": sum(self.requests.values()), "seconds": round(self.seconds, 3),
                "by_operation": dict(sorted(self.requests.items()))}


class Moment:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def _cheap_queue_attributes() -> None:
    """moto (5.2) works out a queue's approximate message counts, walking every message, on every send and
    receive: O(queue length) per message, hours at 100,000 jobs. Nothing here reads those counts, so they are
    made O(1): the wall times then show our code and moto's handling of our requests, not that walk."""
    from moto.sqs.models import Queue

    for name in ("approximate_number_of_messages", "approximate_number_of_messages_delayed",
                 "approximate_number_of_messages_not_visible"):
        setattr(Queue, name, property(lambda queue: 0))


def _started(moment: Moment) -> tuple[Any, Any]:
    """moto with the service's resources (the boto3 clients made after the counting hook), and the app."""
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib import clock
    from chalicelib.aws import clients
    from chalicelib.settings import get_settings
    from local import resources

    _cheap_queue_attributes()
    mock = mock_aws()
    mock.start()
    boto3._get_default_session().events.register("before-call", _count)  # before any client is made
    clients.reset()
    clock.set_source(moment)
    resources.create_all(get_settings())
    from app import app

    return mock, Client(app, stage_name="local")


def _models() -> tuple[Any, Any, Any, Any]:
    """``DEFAULT_INTEGRATION_EVENTS, IntegrationCreate, Tenant, TenantCreate`` from either layout of models."""
    try:
        from chalicelib.models.integrations import DEFAULT_INTEGRATION_EVENTS, IntegrationCreate
        from chalicelib.models.tenants import Tenant, TenantCreate
    except ImportError:  # before the models package
        from chalicelib.models import DEFAULT_INTEGRATION_EVENTS, IntegrationCreate, Tenant, TenantCreate
    return DEFAULT_INTEGRATION_EVENTS, IntegrationCreate, Tenant, TenantCreate


def _populate(count: int) -> None:
    """``count`` tenants with their default integration (and weekly schedule, where the checkout has them)."""
    from chalicelib import clock
    from chalicelib.aws.clients import table
    from chalicelib.aws.integrations_repo import _item
    from chalicelib.integrations.service import new_integration
    from chalicelib.reports.periods import period_containing
    from chalicelib.settings import get_settings

    try:
        from chalicelib.aws import report_schedules_repo as schedules
    except ImportError:  # before the due index: the scheduler read every integration instead
        schedules = None
    DEFAULT_INTEGRATION_EVENTS, _, Tenant, _ = _models()
    settings, now = get_settings(), clock.now()
    week_end = period_containing("weekly", "UTC", now).end
    with table(settings.tenants_table).batch_writer() as tenants, \
            table(settings.integrations_table).batch_writer() as integrations, \
            table(settings.reports_table).batch_writer() as reports:
        for n in range(count):
            tenant = Tenant(id=f"t{n:06d}", name=f"Tenant {n}", primary_email=f"sec@t{n}.example", created_at=now)
            tenants.put_item(Item={**tenant.model_dump(mode="json"), "admin_tokens": 1})
            integrations.put_item(Item=_item(new_integration(tenant.id, "Primary email", [tenant.primary_email],
                                                             list(DEFAULT_INTEGRATION_EVENTS))))
            if schedules:
                reports.put_item(Item={"tenant_id": tenant.id, "sk": "schedule#weekly",
                                       "due_at": schedules.stamp(week_end), "due_shard": schedules.shard(tenant.id),
                                       "subscription": "bench"})


def _fire(client: Any, handler: str, event_id: str) -> Any:
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    event["id"] = event_id
    return client.lambda_.invoke(handler, event).payload


def _pass(client: Any, handler: str, event_id: str) -> dict[str, Any]:
    with Counted() as counted:
        outcome = _fire(client, handler, event_id)
    return {**counted.result(), "outcome": outcome}


_SENT: list[dict[str, Any]] = []  # report-queue bodies sent inside a busy pass


def _sent(params: dict[str, Any], **_: Any) -> None:
    bodies = [params["MessageBody"]] if "MessageBody" in params else [e["MessageBody"] for e in params["Entries"]]
    _SENT.extend(json.loads(body) for body in bodies)


def _busy_schedule(client: Any) -> dict[str, Any]:
    """The Monday firing and every scheduling page it fans out (what the report queue carries besides report
    jobs, run through the report worker as SQS would); report jobs are counted, not run."""
    import boto3

    from chalicelib.aws import queue
    from chalicelib.aws.clients import client as aws
    from chalicelib.settings import get_settings

    events = boto3._get_default_session().events
    for operation in ("SendMessage", "SendMessageBatch"):
        events.register(f"before-parameter-build.sqs.{operation}", _sent)
    aws_clients_reset()
    counted, jobs, pages = Counted(), 0, 0
    with counted:
        _fire(client, "report_scheduler", "busy")
    arn = f"arn:aws:sqs:us-east-1:123456789012:{get_settings().report_queue}"
    while _SENT:
        body = _SENT.pop(0)
        if "period_key" in body:
            jobs += 1
            continue
        pages += 1
        record = {"messageId": f"page-{pages}", "receiptHandle": "-", "body": json.dumps(body), "attributes": {},
                  "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": arn,
                  "awsRegion": "us-east-1"}
        with counted:
            client.lambda_.invoke("report_worker", {"Records": [record]})
    aws("sqs").purge_queue(QueueUrl=queue.queue_url(get_settings().report_queue))
    return {**counted.result(), "outcome": {"jobs": jobs, "pages": pages}}


def aws_clients_reset() -> None:
    """New clients (and idempotency store) so they carry hooks registered since the old ones were made."""
    from chalicelib.aws import clients, idempotency

    clients.reset()
    idempotency._persistence.cache_clear()


def measure_size(count: int, all_due: bool = True) -> dict[str, Any]:
    """The four passes at ``count`` integrations (the report scheduler's busy one only with ``all_due``)."""
    from chalicelib.aws import counters_repo

    moment = Moment(WEDNESDAY)
    mock, client = _started(moment)
    started = time.perf_counter()
    _populate(count)
    result: dict[str, Any] = {"integrations": count, "populate_seconds": round(time.perf_counter() - started, 1)}
    result["health_quiet"] = _pass(client, "health_check", "health-quiet")
    for n in range(min(SENDERS, count)):  # fewer senders only in the smoke test's tiny run
        counters_repo.count_requests(f"t{n:06d}", _first_integration(f"t{n:06d}"), moment.moment, 20,
                                     5 if n % 10 == 0 else 0)
    result["health_busy"] = _pass(client, "health_check", "health-busy")
    result["scheduler_quiet"] = _pass(client, "report_scheduler", "scheduler-quiet")
    if all_due:
        moment.moment = MONDAY
        result["scheduler_busy"] = _busy_schedule(client)
    mock.stop()
    return result


def _first_integration(tenant_id: str) -> str:
    from chalicelib.aws import integrations_repo

    return integrations_repo.all_for_tenant(tenant_id)[0].id


def measure_mail() -> dict[str, Any]:
    """Requests per delivered mail: 10 events, each to 3 integrations of one tenant."""
    from chalicelib.integrations import service
    from chalicelib.settings import get_settings
    from chalicelib.tenants.service import create_tenant
    from chalicelib.wiring import stores
    from local.pollers import poll_once

    _, IntegrationCreate, _, TenantCreate = _models()
    mock, client = _started(Moment(WEDNESDAY))
    created = create_tenant(stores(), TenantCreate(name="Bench", primary_email="sec@bench.example"))
    for name in ("SOC", "On call"):
        service.create(stores(), created.tenant.id, IntegrationCreate.model_validate(
            {"name": name, "emails": f"{name.replace(' ', '')}@bench.example", "events": ["vuln_high"]}))
    events = [{"id": f"v{n}", "type": "vulnerability.detected", "time": "2026-11-25T09:00:00Z",
               "data": {"risk": "high", "title": f"SQLi {n}", "host": "api.bench.example"}} for n in range(EVENTS)]
    counted = Counted()
    with counted:
        response = client.http.post("/v1/events", body=json.dumps({"events": events}),
                                    headers={"Authorization": f"Bearer {created.admin_token}",
                                             "Content-Type": "application/json"})
        assert response.status_code == 202, response.body
        invoke = lambda event: client.lambda_.invoke("delivery_worker", event).payload  # noqa: E731
        while poll_once(get_settings().delivery_queue, invoke):
            pass
    mock.stop()
    mails = sum(n for op, n in counted.requests.items() if op.startswith(("ses.SendRawEmail", "ses.SendEmail")))
    return {**counted.result(), "mails": mails, "per_mail": round(counted.result()["requests"] / max(mails, 1), 2)}


def _child(tree: Path, what: str) -> dict[str, Any]:
    """One measurement in a fresh process (fresh moto, the tree's imports, memory returned afterwards)."""
    out = subprocess.run([sys.executable, str(HERE), "--tree", str(tree), "--one", what], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


PASSES = {"health_quiet": "health check, quiet",
          "health_busy": f"health check, {SENDERS} senders ({SENDERS // 10} failing)",
          "scheduler_quiet": "report scheduler, quiet hour", "scheduler_busy": "report scheduler, all due"}


def table(results: dict[str, dict[str, Any]]) -> str:
    """Markdown: per pass and size, requests and wall seconds for each labelled run, side by side."""
    labels = list(results)
    head = "| pass | integrations | " + " | ".join(f"{label} requests | {label} s" for label in labels) + " |"
    lines = [head, "|---|---:|" + "---:|---:|" * len(labels)]
    sizes = sorted({size["integrations"] for run in results.values() for size in run["sizes"]})
    for key, name in PASSES.items():
        for count in sizes:
            cells = []
            for label in labels:
                found = next((s for s in results[label]["sizes"] if s["integrations"] == count and key in s), None)
                cells += [f"{found[key]['requests']:,}", f"{found[key]['seconds']:.2f}"] if found else ["—", "—"]
            lines.append(f"| {name} | {count:,} | " + " | ".join(cells) + " |")
    mail = " · ".join(f"{label}: {run['mail']['per_mail']} ({run['mail']['requests']} requests, "
                      f"{run['mail']['mails']} mails)" for label, run in results.items())
    return "\n".join(lines) + f"\n\nAWS requests per delivered mail (10 events × 3 integrations): {mail}\n"


def chart(results: dict[str, dict[str, Any]], path: Path) -> None:
    """Requests and wall time per pass against integrations (log-log), one line per pass and run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(13, 5.5))
    styles = ["-", "--", ":"]
    for (label, run), style in zip(results.items(), styles, strict=False):
        for n, (key, name) in enumerate(PASSES.items()):
            sizes = sorted((s for s in run["sizes"] if key in s), key=lambda s: s["integrations"])
            x = [s["integrations"] for s in sizes]
            for axis, field in zip(axes, ("requests", "seconds"), strict=True):
                axis.plot(x, [max(s[key][field], 0.001) for s in sizes], style, marker="o", color=f"C{n}",
                          label=f"{name} ({label})")
    for axis, title in zip(axes, ("AWS requests per pass", "wall seconds per pass (in-process moto)"), strict=True):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("integrations (one per tenant)")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=HERE.parents[1], help="the checkout to measure")
    parser.add_argument("--label", default="after")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--all-due-up-to", type=int, default=10000,
                        help="the report scheduler's all-due pass only up to this many integrations (it is O(N))")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, nargs="+", default=[],
                        help="earlier runs (--json files) to show beside this one, e.g. the code before a change")
    parser.add_argument("--no-measure", action="store_true", help="only tabulate and chart the --results")
    parser.add_argument("--chart", type=Path, help="draw the PNG of every run here")
    args = parser.parse_args()
    if args.one:
        _enter(args.tree)
        count, _, quiet_only = args.one.partition(":")
        print(json.dumps(measure_mail() if count == "mail" else measure_size(int(count), not quiet_only)))
        return
    runs = {run["label"]: run for run in (json.loads(path.read_text()) for path in args.results)}
    if not args.no_measure:
        run: dict[str, Any] = {"label": args.label, "tree": str(args.tree.resolve()), "sizes": []}
        for count in args.sizes:
            run["sizes"].append(_child(args.tree, f"{count}{'' if count <= args.all_due_up_to else ':quiet'}"))
            print(f"{args.label}: {count:,} integrations done", file=sys.stderr)
        run["mail"] = _child(args.tree, "mail")
        runs[args.label] = run
        if args.json:
            args.json.write_text(json.dumps(run, indent=1) + "\n")
    print(table(runs))
    if args.chart:
        chart(runs, args.chart)


if __name__ == "__main__":
    main()
