"""Reports table (``tenant_id`` + ``sk``, TTL ``expires_at``).

- ``report#<report id>`` — one per rendered report (tenant, frequency, period); report ids start with the
  period's end (UTC), so a descending Query lists the newest first.
- ``claim#<report id>#<integration id>`` — the conditional write that makes a report go to an integration at
  most once, however often the scheduler fires; ``enqueued`` is set once its delivery exists.
"""

from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import decode_cursor, plain, query_page, written
from chalicelib.models.reports import Report
from chalicelib.settings import get_settings

REPORT = "report#"
CLAIM = "claim#"
LINK = "link#"
LINK_KEPT_DAYS = 30


def _table() -> Any:
    return table(get_settings().reports_table)


def _expires(at: datetime) -> int:
    return clock.expiry(at, timedelta(days=get_settings().report_retention_days))


def _put_new(item: dict[str, Any]) -> bool:
    return written(_table().put_item, Item=item, ConditionExpression="attribute_not_exists(sk)")


def create(report: Report) -> bool:
    """Store a new report; ``False`` if this report id exists already (another worker was first)."""
    item = {"tenant_id": report.tenant_id, "sk": REPORT + report.id, "object_key": report.object_key,
            **report.model_dump(mode="json"), "expires_at": _expires(report.period_end)}
    return _put_new(item)


def _from_item(item: dict[str, Any]) -> Report:
    return Report.model_validate(plain(item))


def get(tenant_id: str, report_id: str) -> Report | None:
    item = _table().get_item(Key={"tenant_id": tenant_id, "sk": REPORT + report_id}, ConsistentRead=True).get("Item")
    return _from_item(item) if item else None


def page(tenant_id: str, limit: int, cursor: str | None, frequency: str | None = None
         ) -> tuple[list[Report], str | None]:
    """The tenant's reports, newest period first."""
    extra: dict[str, Any] = {"FilterExpression": Attr("frequency").eq(frequency)} if frequency else {}
    items, next_cursor = query_page(
        _table(), Key("tenant_id").eq(tenant_id) & Key("sk").begins_with(REPORT), limit, cursor, REPORT,
        key_of=lambda sk: {"tenant_id": tenant_id, "sk": sk}, forward=False, **extra)
    return [_from_item(item) for item in items], next_cursor


def cursor_report(cursor: str) -> str:
    """The id of the report a page's ``cursor`` continues after."""
    return decode_cursor(cursor, REPORT).removeprefix(REPORT)


def _claim_key(report: Report, integration_id: str) -> dict[str, str]:
    return {"tenant_id": report.tenant_id, "sk": f"{CLAIM}{report.id}#{integration_id}"}


def claim(report: Report, integration_id: str, at: datetime) -> bool:
    """``True`` if this report still has to go to the integration: a new claim, or one whose delivery
    was never created (the worker stopped in between); ``False`` once its delivery exists."""
    key = _claim_key(report, integration_id)
    if _put_new({**key, "claimed_at": at.isoformat(), "enqueued": False, "expires_at": _expires(report.period_end)}):
        return True
    item = _table().get_item(Key=key, ConsistentRead=True).get("Item") or {}
    return not item.get("enqueued", False)


def delivered(tenant_id: str, report_id: str, integration_id: str) -> str | None:
    """The delivery id of the report's mail to the integration, once that delivery exists."""
    item = _table().get_item(Key={"tenant_id": tenant_id, "sk": f"{CLAIM}{report_id}#{integration_id}"},
                             ConsistentRead=True).get("Item") or {}
    return str(item["delivery_id"]) if item.get("enqueued") else None


def mark_enqueued(report: Report, integration_id: str, delivery_id: str) -> None:
    _table().update_item(Key=_claim_key(report, integration_id),
                         UpdateExpression="SET enqueued = :yes, delivery_id = :delivery",
                         ExpressionAttributeValues={":yes": True, ":delivery": delivery_id})


def put_link(tenant_id: str, digest: str, report_id: str, expires: datetime, object_key: str | None = None) -> None:
    """A report's emailed link; ``object_key``: it serves that copy (a protected one) instead of the report's PDF."""
    _table().put_item(Item={"tenant_id": tenant_id, "sk": LINK + digest, "report_id": report_id,
                            "link_expires_at": expires.isoformat(),
                            "expires_at": clock.expiry(expires, timedelta(days=LINK_KEPT_DAYS)),
                            **({"object_key": object_key} if object_key else {})})


def get_link(tenant_id: str, digest: str) -> tuple[str, datetime, str | None] | None:
    """The report id, expiry and served copy (``None``: the report's PDF) of a link, if it exists."""
    item = _table().get_item(Key={"tenant_id": tenant_id, "sk": LINK + digest}, ConsistentRead=True).get("Item")
    return (str(item["report_id"]), datetime.fromisoformat(str(item["link_expires_at"])),
            str(item["object_key"]) if "object_key" in item else None) if item else None
