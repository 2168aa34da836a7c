"""The local stack polls exactly the queues the app's functions read, each with the function that reads it."""

from chalice.app import SQSEventConfig

from chalicelib.settings import get_settings
from local import loops


def test_every_queue_a_function_reads_is_polled_locally_by_that_function() -> None:
    from app import app

    read = {(source.queue, source.name) for source in app.event_sources if isinstance(source, SQSEventConfig)}
    polled = {(getattr(get_settings(), setting), handler) for setting, handler in loops.POLLED.values()}

    assert polled == read
