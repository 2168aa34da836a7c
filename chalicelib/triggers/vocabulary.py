"""Wallarm's Terraform trigger vocabulary (``wallarm_trigger``) mapped onto the native trigger shape."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.models import TriggerCreate

METRICS = {"attacks_exceeded": "attacks", "hits_exceeded": "hits", "incidents_exceeded": "incidents"}
INTERVALS = {60: "minute", 3600: "hour", 86400: "day"}
FILTERS = {"ip_address": "ip", "pool": "application", "attack_type": "attack_type", "domain": "domain"}
NAMES = {"attacks_exceeded": "Attacks exceeded", "hits_exceeded": "Hits exceeded",
         "incidents_exceeded": "Incidents exceeded", "user_created": "New user added"}


def to_native(body: "TriggerCreate") -> "TriggerCreate":
    """Fill ``name``, ``active``, ``integration_ids`` and ``condition`` from the Terraform fields."""
    from chalicelib.models import ThresholdCondition, TriggerFilters, UserAddedCondition

    if body.condition is not None or body.integration_ids is not None:
        raise ValueError("use either template_id (Terraform vocabulary) or condition and integration_ids, not both")
    if not body.actions:
        raise ValueError("actions: at least one send_notification action with integration_id is required")
    if body.template_id == "user_created":
        if body.threshold is not None or body.filters:
            raise ValueError("user_created takes no threshold or filters")
        condition: object = UserAddedCondition(type="user_added")
    else:
        if body.threshold is None:
            raise ValueError(f"{body.template_id} needs threshold {{period, operator: gt, count}}; period is one of "
                             f"{', '.join(str(p) for p in INTERVALS)} seconds")
        filters: dict[str, dict[str, object]] = {}
        for rule in body.filters or []:
            name = FILTERS[rule.filter_id]
            if name in filters:
                raise ValueError(f"filters: {rule.filter_id} is given twice; put all its values in one filter")
            filters[name] = {"values": rule.value, "exclude": rule.operator == "ne"}
        condition = ThresholdCondition(type="threshold", metric=METRICS[body.template_id],  # type: ignore[arg-type]
                                       interval=INTERVALS[body.threshold.period],  # type: ignore[arg-type]
                                       threshold=body.threshold.count,
                                       filters=TriggerFilters.model_validate(filters))
    body.condition = condition  # type: ignore[assignment]
    body.integration_ids = list(dict.fromkeys(i for action in body.actions for i in action.integration_id))
    body.name = body.name or NAMES[body.template_id or ""]
    body.active = body.active if body.enabled is None else body.enabled
    return body
