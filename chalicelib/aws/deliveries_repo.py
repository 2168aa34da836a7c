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
from chalicelib.aws.dynamo import (
    from_attribute_values,
    is_condition_failure,
    plain,
    put_op,
    query_page,
    to_attribute_values,
    transact,
    written,
)
from chalicelib.models.deliveries import Attempt, Delivery
from chalicelib.settings import get_settings


def _table() -> Any:
    return table(get_settings().deliveries_table)


def _key(tenant_id: str, delivery_id: str) -> dict[str, str]:
    return {"tenant_id": tenant_id, "id": delivery_id}


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _item(delivery: Delivery) -> dict[str, Any]:
    item = {
        **delivery.model_dump(mode="json", exclude_none=True),
        "tenant_id": delivery.tenant_id, "html": delivery.html, "text": delivery.text, "severity": delivery.severity,
        "log_key": f"{delivery.tenant_id}#{delivery.integration_id}",
        "expires_at": clock.expiry(delivery.created_at, timedelta(days=get_settings().delivery_ttl_days)),
    }
    if delivery.attachment_key:
        item["attachment_key"] = delivery.attachment_key
    if delivery.data_key:
        item["data_key"] = delivery.data_key
    if delivery.thread:
        item["thread"] = delivery.thread
    return item


def create(delivery: Delivery) -> bool:
    """Write a new delivery; ``False`` if a delivery with this id exists (re-routed event)."""
    return create_all([delivery])[0]


def create_all(deliveries: list[Delivery]) -> list[bool]:
    """Write new deliveries, 25 per transaction (well inside its 4 MB); for each, ``False`` if it existed
    (a re-routed event)."""
    created = [False] * len(deliveries)
    for first in range(0, len(deliveries), 25):
        todo = list(range(first, min(first + 25, len(deliveries))))
        while todo:
            reasons = transact(put_op(get_settings().deliveries_table, _item(deliveries[n]),
                                      "attribute_not_exists(id)") for n in todo)
            if reasons is None:
                for n in todo:
                    created[n] = True
                break
            todo = [n for n, reason in zip(todo, reasons, strict=True) if reason != "ConditionalCheckFailed"]
    return created


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
    return written(_table().update_item, **params)


def claim(tenant_id: str, delivery_id: str, number: int, at: datetime,
          recipients: list[str]) -> tuple[bool, Delivery | None]:
    """Claim try ``number`` for ``recipients``: succeeds for exactly one worker, and only if try ``number - 1``
    was the last. The recipients are recorded with it, so a stopped worker's try still names them. Returns
    whether it was claimed and the delivery as it is now (``None`` if there is none): one request either way."""
    try:
        response = _table().update_item(
            Key=_key(tenant_id, delivery_id), ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD",
            UpdateExpression="SET claimed = :n, claimed_at = :at, #status = :sending, updated_at = :at, "
                             "recipients_pending = :to",
            ConditionExpression="claimed = :prev AND #status IN (:queued, :retrying)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":n": number, ":prev": number - 1, ":at": at.isoformat(), ":sending": "sending",
                                       ":queued": "queued", ":retrying": "retrying", ":to": recipients},
        )
    except ClientError as error:
        if not is_condition_failure(error):
            raise
        old = error.response.get("Item")
        return False, Delivery.model_validate(from_attribute_values(old)) if old else None
    return True, Delivery.model_validate(plain(response["Attributes"]))


_FINISH = ("SET attempts = list_append(attempts, :attempts), #status = :status, updated_at = :at, "
           "next_try_at = :next, last_error = :error, reason = :reason, recipients_pending = :pending, "
           "recipients_sent = list_append(if_not_exists(recipients_sent, :none), :sent)")


def _finish_values(attempts: list[Attempt], status: str, next_try_at: datetime | None, last_error: str | None,
                   reason: str | None) -> dict[str, Any]:
    sent = [attempt.recipient for attempt in attempts if attempt.outcome == "sent"]
    pending = [attempt.recipient for attempt in attempts if attempt.outcome != "sent" and attempt.recipient]
    values = {":attempts": [attempt.model_dump(mode="json", exclude_none=True) for attempt in attempts],
              ":status": status, ":at": attempts[0].at, ":next": next_try_at, ":error": last_error, ":reason": reason,
              ":sent": sent, ":pending": pending, ":none": []}
    return {key: _json(value) for key, value in values.items()}


def finish_attempt(delivery: Delivery, attempts: list[Attempt], status: str, next_try_at: datetime | None,
                   last_error: str | None, reason: str | None = None) -> None:
    """Record the messages of the claimed try (one per recipient) and the delivery's new status: the
    addresses that got it join ``recipients_sent``, the others are left in ``recipients_pending``."""
    _update(delivery.tenant_id, delivery.id, _FINISH, _finish_values(attempts, status, next_try_at, last_error, reason))


def finish_attempt_op(delivery: Delivery, attempts: list[Attempt], status: str, next_try_at: datetime | None,
                      last_error: str | None, reason: str | None = None) -> dict[str, Any]:
    """:func:`finish_attempt` as a write for a transaction."""
    return {"Update": {
        "TableName": get_settings().deliveries_table, "Key": to_attribute_values(_key(delivery.tenant_id, delivery.id)),
        "UpdateExpression": _FINISH, "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": to_attribute_values(_finish_values(attempts, status, next_try_at, last_error,
                                                                        reason)),
    }}


def finish(tenant_id: str, delivery_id: str, status: str, at: datetime, reason: str, claimed: int = 0) -> bool:
    """End a delivery nobody is sending (``skipped``, or ``sent`` when nobody is left to send to) unless it ended;
    with ``claimed``, the try of that number this worker claimed and then found nothing to send."""
    values = {":status": status, ":at": at, ":reason": reason, ":none": None}
    if claimed:
        condition, values = "claimed = :n AND #status = :sending", {**values, ":n": claimed, ":sending": "sending"}
    else:
        condition, values = "#status IN (:queued, :retrying)", {**values, ":queued": "queued", ":retrying": "retrying"}
    return _update(tenant_id, delivery_id, "SET #status = :status, updated_at = :at, reason = :reason, "
                   "next_try_at = :none", values, condition)


def restart(delivery: Delivery, at: datetime) -> bool:
    """Redrive a dead or skipped delivery: a fresh schedule, the attempt history and who got it kept."""
    return _update(delivery.tenant_id, delivery.id,
                   "SET #status = :queued, claimed = :zero, redriven_at = :at, updated_at = :at, "
                   "next_try_at = :at, reason = :none",
                   {":queued": "queued", ":zero": 0, ":at": at, ":none": None, ":dead": "dead",
                    ":skipped": "skipped"},
                   "#status IN (:dead, :skipped)")

