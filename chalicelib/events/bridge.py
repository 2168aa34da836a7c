"""Events from the platform's EventBridge bus: ``detail-type`` is the event type and
``detail`` carries ``tenant_id``, the platform's event ``id`` and ``data``."""

from typing import Any

from chalicelib.models.events import EventResults
from chalicelib.observability import logger
from chalicelib.stores import Stores

SOURCE = "security.platform"


def handle(stores: Stores, event: dict[str, Any]) -> EventResults:
    from chalicelib.events import ingest  # app.py reads SOURCE in every Lambda; only this one ingests

    detail = event.get("detail") or {}
    logger.append_keys(tenant_id=str(detail.get("tenant_id", "")), event_id=detail.get("id") or event.get("id"))
    raw = {"id": detail.get("id") or event.get("id"), "type": event.get("detail-type"),
           "time": detail.get("time") or event.get("time"), "data": detail.get("data") or {}}
    return ingest.ingest(stores, str(detail.get("tenant_id", "")), [raw])
