"""moto emptied between tests, its tables and queues kept.

Re-creating the service's resources for every test (``local.resources.create_all``: eleven tables, four queues
and their dead-letter queues, the bucket, the key, the sender) cost ~45 ms of CPU, most of it the tables
and the queues. Here moto is reset as before, but each table and queue that still exists goes back into the fresh
backend with its items or messages removed (no test changes a table's schema or a queue's attributes); one a test
deleted is created again: ~7 ms. ``tests/scenario/test_moto_reset.py`` proves the result equals a fresh creation."""

from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table
from moto.sqs.models import Queue, sqs_backends

from chalicelib.aws.clients import client
from chalicelib.settings import Settings
from local import resources


def _backends() -> tuple[Any, Any]:
    region = client("dynamodb").meta.region_name
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][region], sqs_backends[DEFAULT_ACCOUNT_ID][region]


def _empty_table(table: Table) -> Table:
    table.items.clear()
    return table


def _empty_queue(queue: Queue) -> Queue:
    with queue._messages_lock:
        queue._messages.clear()
        queue._pending_messages.clear()
        queue.deleted_messages.clear()
        queue.last_purged_at = None
    return queue


def reset(mock: Any, settings: Settings) -> None:
    """``mock.reset()`` and ``resources.create_all(settings)``, keeping (emptied) the tables and queues that
    exist."""
    dynamodb, sqs = _backends()
    tables = {name: table for name, table in dynamodb.tables.items() if name in resources.table_names(settings)}
    queues = {name: queue for name, queue in sqs.queues.items() if name in resources.queue_names(settings)}
    mock.reset()
    dynamodb, sqs = _backends()
    dynamodb.tables.update({name: _empty_table(table) for name, table in tables.items()})
    sqs.queues.update({name: _empty_queue(queue) for name, queue in queues.items()})
    resources.create_all(settings, tables_kept=tables, queues_kept=queues)
