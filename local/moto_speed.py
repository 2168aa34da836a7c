"""Four costs of moto, removed for the tests, the soak and the local stack (two grow with its data).

- DynamoDB: moto backs up every table a ``TransactWriteItems`` touches with ``copy.deepcopy`` before it writes, to
  roll back on a failed condition, so each transaction costs time and memory in proportion to the tables' size
  (the 1,000-event soak spent most of its time there and grew past 3 GB). Here the backup is the touched items only
  (a transaction touches each item at most once), restored on rollback; moto's checks and writes are its own.
- SQS: moto computes a queue's three message counts, each over every message, whenever it reads the queue's
  attributes: its receive read them once per message (for the retention period), and its send once per message
  sent (for ``ContentBasedDeduplication``), so a receive was quadratic in the queue's length and a send linear (a
  10,000-mail burst spent most of the local stack's time counting). Here the receive reads the retention period
  from the queue itself, and a send's attributes leave the counts at 0; ``GetQueueAttributes`` counts as before.
- DynamoDB's answers: moto writes each one by walking the operation's output shape for every attribute of every
  item (a third of a DynamoDB-heavy test's time). Its results are already the wire's JSON (``dynamo_to_dict``), so
  here they are written with ``json.dumps``, keeping only the shape's members as moto's serializer does; a result
  JSON cannot write (a table description's dates) goes moto's way.
- KMS: moto draws a 2048-bit RSA private key for every key it creates, even a symmetric one that never signs
  (50 ms of CPU: most of what re-creating the resources for each test cost). Here each key spec draws one, once per
  process, and every key of that spec shares it; a symmetric key's own material (what ``Encrypt`` uses) is its own.
"""

import copy
import functools
import json
import threading
import types
from typing import Any

from moto.core.responses import ActionContext
from moto.core.utils import unix_time
from moto.dynamodb import models
from moto.dynamodb.responses import DynamoResult
from moto.kms import models as kms_models
from moto.sqs.models import Message, Queue, SQSBackend

_installed = False
_COUNTS = ("approximate_number_of_messages", "approximate_number_of_messages_delayed",
           "approximate_number_of_messages_not_visible")
_sending = threading.local()  # moto serves each request in a thread of its own


def _keep_tables(value: Any, memo: Any = None) -> Any:
    """``copy.deepcopy``, except that a whole table is not copied (its touched items are, by the wrapper)."""
    return value if isinstance(value, models.Table) else copy.deepcopy(value, memo)


def install() -> None:
    """Patch moto's DynamoDB, SQS and KMS backends, once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    original = models.DynamoDBBackend.transact_write_items
    models.copy = types.SimpleNamespace(deepcopy=_keep_tables)  # type: ignore[attr-defined]

    def transact_write_items(self: models.DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        touched = []
        for item in transact_items[:100]:
            op = next(iter(item.values()))
            if op.get("TableName") not in self.tables:
                continue
            table = self.get_table(op["TableName"])
            key = op.get("Key") or {name: op["Item"][name] for name in (table.hash_key_attr, table.range_key_attr)
                                    if name and name in op.get("Item", {})}
            try:
                before = self.get_item(op["TableName"], key)
            except Exception:  # a malformed key: moto's own checks answer it
                continue
            touched.append((op["TableName"], key, copy.deepcopy(before.to_json()["Attributes"]) if before else None))
        try:
            original(self, transact_items)
        except Exception:
            for table_name, key, before in touched:
                if before is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before)
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]

    def is_message_valid_based_on_retention_period(self: SQSBackend, queue_name: str, message: Message) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return retention + message.sent_timestamp / 1000 > unix_time()  # type: ignore[operator]

    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period)
    _uncounted_while_sending()
    DynamoResult.execute_result = _json_result  # type: ignore[method-assign]
    kms_models.generate_private_key = functools.cache(kms_models.generate_private_key)  # type: ignore[attr-defined]


MOTO_DYNAMODB_RESULT = DynamoResult.execute_result  # moto's own: tests/scenario/test_moto_speed.py compares the two
_JSON_HEADERS = {"Content-Type": "application/x-amz-json-1.0"}


def _json_result(self: DynamoResult, context: ActionContext) -> tuple[int, dict[str, str], str]:
    """A DynamoDB result as moto's serializer writes it, without walking the shape."""
    shape = context.operation_model.output_shape
    result = self.result
    try:
        members = shape.members if shape is not None else {}
        body = json.dumps({name: value for name, value in result.items()  # type: ignore[attr-defined]
                           if name in members and value is not None})
    except (AttributeError, TypeError):
        return MOTO_DYNAMODB_RESULT(self, context)  # type: ignore[no-any-return]
    return 200, dict(_JSON_HEADERS), body


def _uncounted_while_sending() -> None:
    """A send reads the queue's attributes for ``ContentBasedDeduplication`` only: no counting then."""
    for name in _COUNTS:
        counted = getattr(Queue, name)
        setattr(Queue, name, property(lambda queue, count=counted.fget: 0 if getattr(_sending, "on", False)
                                      else count(queue)))
    send_message = SQSBackend.send_message

    def send_uncounted(self: SQSBackend, *args: Any, **kwargs: Any) -> Message:
        _sending.on = True
        try:
            return send_message(self, *args, **kwargs)
        finally:
            _sending.on = False

    SQSBackend.send_message = send_uncounted  # type: ignore[method-assign]
