"""SQS fair queues, which moto does not emulate: moto's receive hands out a standard queue's visible messages in the
order they came, so one tenant's backlog would hold up every other tenant's messages behind it locally, although on
AWS it does not (our messages carry the tenant as ``MessageGroupId``: AWS docs, "Amazon SQS fair queues").

:func:`install` has moto take a standard queue's visible messages round-robin over their message groups
(:func:`local.pollers.fair_order`): the local stack installs it; tests use :func:`installed`. FIFO queues and
messages without a group are untouched.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.sqs.models import Queue

from local.pollers import fair_order

_moto_order = Queue.messages


def _fair_messages(queue: Queue) -> list[Any]:
    visible = _moto_order.fget(queue)  # type: ignore[attr-defined]
    return visible if queue.fifo_queue else fair_order(visible, lambda message: message.group_id)


def install() -> None:
    """moto's receive takes the visible messages of a standard queue round-robin over their groups."""
    Queue.messages = property(_fair_messages)  # type: ignore[method-assign, assignment]


def uninstall() -> None:
    Queue.messages = _moto_order  # type: ignore[method-assign]


@contextmanager
def installed() -> Iterator[None]:
    install()
    try:
        yield
    finally:
        uninstall()
