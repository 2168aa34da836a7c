"""Routes: snoozes and mutes made from mails' links or the console, and lifting one."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route
from chalicelib.models.common import PageQuery
from chalicelib.models.snoozes import SnoozePage
from chalicelib.snoozes import service
from chalicelib.wiring import stores

bp = Blueprint(__name__)
TAG = "snoozes"


@route(bp, "GET", "/v1/snoozes", summary="Snoozes and mutes (who holds back which mail, for whom, until when)",
       access="viewer", tag=TAG, query=PageQuery, response=SnoozePage)
def list_snoozes(call: Call) -> SnoozePage:
    return service.page(stores(), call.tenant_id, call.query)


@route(bp, "DELETE", "/v1/snoozes/{snooze_id}", summary="Lift a snooze or mute: its mail flows again",
       access="admin", tag=TAG, status=204)
def delete_snooze(call: Call, snooze_id: str) -> None:
    service.lift(stores(), call.tenant_id, snooze_id)
