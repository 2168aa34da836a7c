"""One object of every kind the API addresses by id, for tests generated from ``OPERATIONS``.

:data:`MAKERS` maps a path parameter name to a function that creates such an object for a tenant
and returns its id. A new operation whose path parameter has no maker fails the generated tests
until one is added here.
"""

from collections.abc import Callable
from typing import Any

from chalicelib.api.routing import OPERATIONS, Operation
from chalicelib.resources import TABLES, TenantData
from chalicelib.settings import get_settings
from tests.support.api import TenantHandle
from tests.support.checks import scan

Maker = Callable[[TenantHandle, Any], str]


def _integration(tenant: TenantHandle, pipeline: Any) -> str:
    return tenant.integration(name="Target", emails=f"target@{_domain(tenant)}", events=["system", "vuln"])["id"]


def _token(tenant: TenantHandle, pipeline: Any) -> str:
    status, body = tenant.call("POST", "/v1/tokens", {"name": "target", "role": "viewer"})
    assert status == 201, body
    return body["id"]


def _delivery(tenant: TenantHandle, pipeline: Any) -> str:
    event = {"id": f"target-{tenant.id}", "type": "vulnerability.detected", "time": "2026-11-25T09:00:00Z",
             "data": {"risk": "high", "title": "SQLi in /login", "host": f"api.{_domain(tenant)}"}}
    status, body = tenant.call("POST", "/v1/events", {"events": [event]})
    assert status == 202 and body["results"][0]["status"] == "accepted", body
    pipeline.drain()
    ids = [item["id"] for item in scan("deliveries_table") if item["tenant_id"] == tenant.id]
    assert ids, "the event made no delivery"
    return ids[0]


def _report(tenant: TenantHandle, pipeline: Any) -> str:
    status, body = tenant.call("POST", "/v1/reports/preview", {"frequency": "daily"})
    assert status == 200, body
    return body["id"]


def _trigger(tenant: TenantHandle, pipeline: Any) -> str:
    body = {"name": "Attack spike", "integration_ids": _integration_ids(tenant)[:1],
            "condition": {"type": "threshold", "metric": "attacks", "interval": "hour", "threshold": 100}}
    status, created = tenant.call("POST", "/v1/triggers", body)
    assert status == 201, f"tests/support/world.py makes triggers with {body}, which got {status} {created}: update it"
    return created["id"]


def _domain(tenant: TenantHandle) -> str:
    return tenant.tenant["primary_email"].partition("@")[2]


def _integration_ids(tenant: TenantHandle) -> list[str]:
    status, body = tenant.call("GET", "/v1/integrations?limit=100")
    assert status == 200, body
    return [item["id"] for item in body["items"]]


def _suppression(tenant: TenantHandle, pipeline: Any) -> str:
    from chalicelib import clock
    from chalicelib.models.suppressions import Suppression
    from chalicelib.suppressions import service

    email = f"bounced@{_domain(tenant)}"
    service.add(tenant.id, Suppression(email=email, reason="bounce", detail="hard bounce", created_at=clock.now()))
    return email


def _snooze(tenant: TenantHandle, pipeline: Any) -> str:
    from chalicelib.snoozes import service
    from chalicelib.wiring import stores

    made = service.snooze_integration(stores(), tenant.id, _integration_ids(tenant)[0], "trigger-x", "Spikes", "1d",
                                      "world")
    return made.id


def _tenant(tenant: TenantHandle, pipeline: Any) -> str:
    return tenant.id


MAKERS: dict[str, Maker] = {
    "integration_id": _integration, "token_id": _token, "delivery_id": _delivery, "report_id": _report,
    "trigger_id": _trigger, "email": _suppression, "tenant_id": _tenant, "snooze_id": _snooze,
}


# A valid body per body model, so a refusal (403, 404) is not masked by a 422; a Patch model takes ``{}``.
SAMPLE_BODIES: dict[str, dict[str, Any]] = {
    "IntegrationCreate": {"name": "Sample", "emails": "sample@example.com", "events": ["system"]},
    "IntegrationUpdate": {"name": "pwned", "emails": "attacker@evil.example"},
    "TenantCreate": {"name": "Sample", "primary_email": "sample@example.com"},
    "TenantUpdate": {"name": "pwned"},
    "TokenCreate": {"name": "sample", "role": "admin"},
    "EventBatch": {"events": [{"id": "sample-1", "type": "user.created", "time": "2026-11-25T09:00:00Z",
                               "data": {"email": "new@example.com"}}]},
    "ReportPreviewRequest": {"frequency": "daily"},
    "ReportPreviewFormatRequest": {"frequency": "daily"},
    "ReportSendRequest": {"frequency": "weekly"},
    "TriggerCreate": {"name": "Sample", "integration_ids": ["00000000-0000-4000-8000-000000000000"],
                      "condition": {"type": "user_added"}},
    "TriggerUpdate": {"name": "pwned"},
}


def sample_body(op: Operation) -> dict[str, Any] | None:
    """A body the operation validates, or ``None`` when it takes none."""
    if op.body is None:
        return None
    return SAMPLE_BODIES.get(op.body.__name__, {})


def concrete_path(op: Operation, ids: dict[str, str]) -> str:
    """The operation's path with each ``{param}`` replaced by ``ids[param]``."""
    path = op.path
    for name in op.path_params:
        path = path.replace("{" + name + "}", ids[name])
    return path


def path_params() -> list[str]:
    """Every path parameter name some operation takes."""
    return sorted({name for op in OPERATIONS for name in op.path_params})


def make_objects(tenant: TenantHandle, pipeline: Any, names: list[str] | None = None) -> dict[str, str]:
    """One object per path parameter in ``names`` (default: every one in use; an operation's path needs only its
    own: a report and a delivery cost a render and a pipeline run), created through the API; ``{param: id}``."""
    wanted = path_params() if names is None else names
    missing = [name for name in wanted if name not in MAKERS]
    assert not missing, f"no maker in tests/support/world.py for the path parameter(s) {missing}"
    return {name: MAKERS[name](tenant, pipeline) for name in wanted}


USE_MARKS = {"last_used_at"}  # written by any authenticated request, refused ones included


def snapshot(tenant_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every stored row of the tenant, by table setting, in each table declared to hold tenants' data (the tokens'
    last use aside). A row is the tenant's when its ``tenant_id`` or its hash key is the tenant's id or its hash key
    is one of the tenant's ``<tenant>#…`` partitions (the counters' keys name the tenant inside: none matches)."""
    settings = get_settings()
    found: dict[str, list[dict[str, Any]]] = {}
    for declared in TABLES:
        if declared.tenant_data is TenantData.NONE or not _table_exists(getattr(settings, declared.setting)):
            continue
        rows = [{key: value for key, value in item.items() if key not in USE_MARKS} for item in scan(declared.setting)
                if tenant_id in (item.get("tenant_id"), item[declared.hash_key])
                or str(item[declared.hash_key]).startswith(f"{tenant_id}#")]
        found[declared.setting] = sorted(rows, key=repr)
    return found


def _table_exists(name: str) -> bool:
    from chalicelib.aws.clients import client

    return name in client("dynamodb").list_tables()["TableNames"]
