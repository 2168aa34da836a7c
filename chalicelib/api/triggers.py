"""Routes: triggers (additional alerts)."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route
from chalicelib.models.backtest import TriggerPreview
from chalicelib.models.common import PageQuery
from chalicelib.models.triggers import Trigger, TriggerCreate, TriggerPage, TriggerUpdate
from chalicelib.triggers import service

bp = Blueprint(__name__)
TAG = "triggers"


@route(bp, "GET", "/v1/triggers", summary="List triggers", access="viewer", tag=TAG, query=PageQuery,
       response=TriggerPage)
def list_triggers(call: Call) -> TriggerPage:
    return service.page(call.tenant_id, call.query.limit, call.query.cursor)


@route(bp, "POST", "/v1/triggers", summary="Create a trigger (native shape or Wallarm's Terraform vocabulary)",
       access="admin", tag=TAG, body=TriggerCreate, response=Trigger, status=201, errors=(404, 409))
def create_trigger(call: Call) -> Trigger:
    return service.create(call.tenant_id, call.body)


@route(bp, "POST", "/v1/triggers/preview", summary="Backtest a trigger before saving it: the alerts it would have "
       "sent over the last 30 days, from the stored hourly data (bounds where that data cannot tell)",
       access="admin", tag=TAG, body=TriggerCreate, response=TriggerPreview, errors=(404, 429))
def preview_trigger(call: Call) -> TriggerPreview:
    return service.preview(call.tenant_id, call.body)


@route(bp, "GET", "/v1/triggers/{trigger_id}", summary="Read a trigger", access="viewer", tag=TAG,
       response=Trigger)
def get_trigger(call: Call, trigger_id: str) -> Trigger:
    return service.get(call.tenant_id, trigger_id)


@route(bp, "PATCH", "/v1/triggers/{trigger_id}", summary="Change a trigger", access="admin", tag=TAG,
       body=TriggerUpdate, response=Trigger, errors=(409,))
def update_trigger(call: Call, trigger_id: str) -> Trigger:
    return service.update(call.tenant_id, trigger_id, call.body)


@route(bp, "DELETE", "/v1/triggers/{trigger_id}", summary="Delete a trigger", access="admin", tag=TAG, status=204)
def delete_trigger(call: Call, trigger_id: str) -> None:
    service.delete(call.tenant_id, trigger_id)
