"""Deliveries table: the source of truth of every email send (status, attempts, next try, errors).

Key ``tenant_id`` + ``id`` (ids sort by creation time); index ``by_integration`` on
``log_key`` = ``<tenant>#<integration>`` serves the delivery log, newest first.
"""

from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws import batch_reads, counters_repo
from chalicelib.aws.clients import client, table
from chalicelib.aws.dynamo import (
    cancellation_reasons,
    from_attribute_values,
    is_condition_failure,
    plain,
    put_op,
    query_page,
    to_attribute_values,
    transact,
    transact_retrying,
    written,
)
from chalicelib.models.deliveries import Delivery
from chalicelib.settings import get_settings
from chalicelib.stores.deliveries import Outcome


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
    if delivery.about:
        item["about"] = delivery.about
    return item


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


_FINISH = ("SET attempts = list_append(attempts, :attempts), #status = :status, updated_at = :at, "
           "next_try_at = :next, last_error = :error, reason = :reason, recipients_pending = :pending, "
           "recipients_sent = list_append(if_not_exists(recipients_sent, :none), :sent)")


def _finish_values(outcome: Outcome) -> dict[str, Any]:
    """The messages of a claimed try (one per recipient) and the delivery's new status: the addresses that got it
    join ``recipients_sent``, the others are left in ``recipients_pending``."""
    attempts = outcome.attempts
    sent = [attempt.recipient for attempt in attempts if attempt.outcome == "sent"]
    pending = [attempt.recipient for attempt in attempts if attempt.outcome != "sent" and attempt.recipient]
    values = {":attempts": [attempt.model_dump(mode="json", exclude_none=True) for attempt in attempts],
              ":status": outcome.status, ":at": attempts[0].at, ":next": outcome.next_try_at,
              ":error": outcome.error, ":reason": outcome.reason, ":sent": sent, ":pending": pending, ":none": []}
    return {key: _json(value) for key, value in values.items()}


def _record_ops(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """The writes recording ``outcomes``: each try's messages and status, and the request counters of each
    integration once (a transaction may not touch an item twice)."""
    counters: dict[tuple[str, str], tuple[int, int]] = {}
    for outcome in outcomes:
        pair = (outcome.delivery.tenant_id, outcome.delivery.integration_id)
        total, failed = counters.get(pair, (0, 0))
        counters[pair] = (total + outcome.counted[0], failed + outcome.counted[1])
    at = outcomes[0].attempts[0].at if outcomes else clock.now()
    return [{"Update": {
        "TableName": get_settings().deliveries_table,
        "Key": to_attribute_values(_key(outcome.delivery.tenant_id, outcome.delivery.id)),
        "UpdateExpression": _FINISH, "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": to_attribute_values(_finish_values(outcome)),
    }} for outcome in outcomes] + [op for (tenant_id, integration_id), (total, failed) in counters.items() if total
                                  for op in counters_repo.count_requests_ops(tenant_id, integration_id, at, total,
                                                                             failed)]


def record(outcomes: list[Outcome]) -> None:
    """Record claimed tries with their request counters, in one transaction."""
    if outcomes:
        transact_retrying(_record_ops(outcomes))


_CLAIM = ("SET claimed = :n, claimed_at = :at, #status = :sending, updated_at = :at, recipients_pending = :to")
# a write since the read appends attempts or moves ``claimed``: either fails the claim, so the read stays true
_CLAIMABLE = "claimed = :prev AND #status IN (:queued, :retrying) AND size(attempts) = :seen"


def claim(delivery: Delivery, number: int, at: datetime, recipients: list[str],
          recording: Outcome | None = None) -> tuple[bool, Delivery | None]:
    """Claim try ``number`` of ``delivery`` as read (succeeds for exactly one worker), recording ``recording`` in
    the same transaction (:class:`~chalicelib.stores.deliveries.DeliveryStore`). The recipients are written with
    the claim, so a stopped worker's try still names them. One request unless the claim fails in a transaction."""
    update = {
        "TableName": get_settings().deliveries_table, "Key": to_attribute_values(_key(delivery.tenant_id, delivery.id)),
        "UpdateExpression": _CLAIM, "ConditionExpression": _CLAIMABLE,
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": to_attribute_values({
            ":n": number, ":prev": number - 1, ":at": at.isoformat(), ":sending": "sending", ":queued": "queued",
            ":retrying": "retrying", ":to": recipients, ":seen": len(delivery.attempts)}),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    claimed = delivery.model_copy(update={"claimed": number, "claimed_at": at, "status": "sending", "updated_at": at,
                                          "recipients_pending": recipients})
    if recording is not None and recording.delivery.id == delivery.id:  # one item twice: a transaction refuses it
        record([recording])
        recording = None
    if recording is None:
        try:
            client("dynamodb").update_item(**update)
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            return False, _stored(error.response.get("Item"))
        return True, claimed
    ops = [{"Update": update}, *_record_ops([recording])]
    for _ in range(5):
        reasons = cancellation_reasons(ops)
        if reasons is None:
            return True, claimed
        if reasons[0].get("Code") == "ConditionalCheckFailed":
            record([recording])
            return False, _stored(reasons[0].get("Item"))
        if not any(reason.get("Code") == "TransactionConflict" for reason in reasons):
            raise RuntimeError(f"claim transaction cancelled: {[reason.get('Code') for reason in reasons]}")
    raise RuntimeError("claim transaction still conflicting after 5 tries")


def _stored(item: dict[str, Any] | None) -> Delivery | None:
    return Delivery.model_validate(from_attribute_values(item)) if item else None


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



class DynamoDeliveries:
    """The deliveries store on DynamoDB (:class:`~chalicelib.stores.deliveries.DeliveryStore`)."""

    create_all = staticmethod(create_all)
    get = staticmethod(get)
    log_page = staticmethod(log_page)
    restart = staticmethod(restart)
    read = staticmethod(batch_reads.read)
    reserve_sends = staticmethod(counters_repo.take_sends)
    claim = staticmethod(claim)
    record = staticmethod(record)
    finish = staticmethod(finish)
