"""Routes: event ingest."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route
from chalicelib.models.events import EventBatch, EventResults
from chalicelib.wiring import stores

bp = Blueprint(__name__)


@route(bp, "POST", "/v1/events", summary="Ingest up to 100 events (idempotent on id)", access="ingest",
       tag="events", body=EventBatch, response=EventResults, status=202)
def post_events(call: Call) -> EventResults:
    from chalicelib.events import ingest  # with trigger evaluation and security data: only this route needs it

    return ingest.ingest(stores(), call.tenant_id, call.body.events, call.caller.tenant if call.caller else None)
