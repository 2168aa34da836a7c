"""Deliveries table: the source of truth of every email send (status, attempts, next try, errors).

Key ``tenant_id`` + ``id`` (ids sort by creation time); index ``by_integration`` on
``log_key`` = ``<tenant>#<integration>`` serves the delivery log, newest first.
"""

from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws.clients import table
from chalicelib.aws.dynamo import is_condition_failure, plain, query_page
from chalicelib.models.deliveries import Attempt, Delivery
from chalicelib.settings import get_settings


def _table() -> Any:
    return table(get_settings().deliveries_table)


def _key(tenant_id: str, delivery_id: str) -> dict[str, str]:
    return {"tenant_id": tenant_id, "id": delivery_id}


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def create(delivery: Delivery) -> bool:
    """Write a new delivery; ``False`` if a delivery with this id exists (re-routed event)."""
    item = {
        **delivery.model_dump(mode="json", exclude_none=True),
        "tenant_id": delivery.tenant_id, "html": delivery.html, "text": delivery.text,
        "log_key": f"{delivery.tenant_id}#{delivery.integration_id}",
        "expires_at": clock.expiry(delivery.created_at, timedelta(days=get_settings().delivery_ttl_days)),
    }
    if delivery.attachment_key:
        item["attachment_key"] = delivery.attachment_key
    try:
        _table().put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def get(tenant_id: str, delivery_id: str) -> Delivery | None:
    item = _table().get_item(Key=_key(tenant_id, delivery_id), ConsistentRead=True).get("Item")
    return Delivery.model_validate(plain(item)) if item else None


def log_page(tenant_id: str, integration_id: str, limit: int, cursor: str | None,
             status: str | None) -> tuple[list[Delivery], str | None]:
    log_key = f"{tenant_id}#{integration_id}"
    extra: dict[str, Any] = {"IndexName": "by_integration"}
    if status:
        extra["FilterExpression"] = Attr("status").eq(status)
    items, next_cursor = query_page(
        _table(), Key("log_key").eq(log_key), limit, cursor, "",
        lambda delivery_id: {"tenant_id": tenant_id, "id": delivery_id, "log_key": log_key},
        forward=False, sort_attr="id", **extra,
    )
    return [Delivery.model_validate(item) for item in items], next_cursor


def _update(tenant_id: str, delivery_id: str, expression: str, values: dict[str, Any],
            condition: str | None = None) -> bool:
    params: dict[str, Any] = {
        "Key": _key(tenant_id, delivery_id), "UpdateExpression": expression,
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {k: _json(v) for k, v in values.items()},
    }
    if condition:
        params["ConditionExpression"] = condition
    try:
        _table().update_item(**params)
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def claim(delivery: Delivery, number: int, at: datetime, recipients: list[str]) -> bool:
    """Claim try ``number`` for ``recipients``: succeeds for exactly one worker, and only if try ``number - 1``
    was the last. The recipients are recorded with it, so a stopped worker's try still names them."""
    return _update(
        delivery.tenant_id, delivery.id,
        "SET claimed = :n, claimed_at = :at, #status = :sending, updated_at = :at, recipients_pending = :to",
        {":n": number, ":prev": number - 1, ":at": at, ":sending": "sending", ":queued": "queued",
         ":retrying": "retrying", ":to": recipients},
        "claimed = :prev AND #status IN (:queued, :retrying)",
    )


def finish_attempt(delivery: Delivery, attempts: list[Attempt], status: str, next_try_at: datetime | None,
                   last_error: str | None, reason: str | None = None) -> None:
    """Record the messages of the claimed try (one per recipient) and the delivery's new status: the
    addresses that got it join ``recipients_sent``, the others are left in ``recipients_pending``."""
    sent = [attempt.recipient for attempt in attempts if attempt.outcome == "sent"]
    pending = [attempt.recipient for attempt in attempts if attempt.outcome != "sent" and attempt.recipient]
    values: dict[str, Any] = {
        ":attempts": [attempt.model_dump(mode="json", exclude_none=True) for attempt in attempts],
        ":status": status, ":at": attempts[0].at, ":next": next_try_at, ":error": last_error, ":reason": reason,
        ":sent": sent, ":pending": pending, ":none": [],
    }
    _update(delivery.tenant_id, delivery.id,
            "SET attempts = list_append(attempts, :attempts), #status = :status, updated_at = :at, "
            "next_try_at = :next, last_error = :error, reason = :reason, recipients_pending = :pending, "
            "recipients_sent = list_append(if_not_exists(recipients_sent, :none), :sent)",
            values)


def finish(delivery: Delivery, status: str, at: datetime, reason: str) -> bool:
    """End an unclaimed delivery (``skipped``, or ``sent`` when nobody is left to send to) unless it ended."""
    return _update(delivery.tenant_id, delivery.id,
                   "SET #status = :status, updated_at = :at, reason = :reason, next_try_at = :none",
                   {":status": status, ":at": at, ":reason": reason, ":none": None, ":queued": "queued",
                    ":retrying": "retrying"},
                   "#status IN (:queued, :retrying)")


def restart(delivery: Delivery, at: datetime) -> bool:
    """Redrive a dead or skipped delivery: a fresh schedule, the attempt history and who got it kept."""
    return _update(delivery.tenant_id, delivery.id,
                   "SET #status = :queued, claimed = :zero, redriven_at = :at, updated_at = :at, "
                   "next_try_at = :at, reason = :none",
                   {":queued": "queued", ":zero": 0, ":at": at, ":none": None, ":dead": "dead",
                    ":skipped": "skipped"},
                   "#status IN (:dead, :skipped)")

