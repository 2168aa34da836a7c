"""Powertools Logger, Metrics and Tracer, created once and attached to every handler by :func:`attach`.

Every log line of an invocation carries its correlation id (API Gateway's request id, the SQS or SNS
message id, the EventBridge event id; a delivery's messages carry the id of the request that queued it)
and the tenant, integration and delivery ids the handler appends once it knows them.
"""

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from chalice import Chalice, ConvertToMiddleware
from chalice.app import Request

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = "email-report"
CORRELATION_PATH = "requestContext.requestId || Records[0].messageId || Records[0].Sns.MessageId || id"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="EmailReport", service=SERVICE)


def count(name: str, value: float = 1) -> None:
    """Add to a ``Count`` metric of this invocation (flushed as EMF when the invocation ends)."""
    metrics.add_metric(name=name, unit="Count", value=value)


def milliseconds(name: str, value: float) -> None:
    metrics.add_metric(name=name, unit="Milliseconds", value=round(value, 1))


def flush() -> None:
    """Write this invocation's metrics to stdout as one EMF document (nothing if there are none)."""
    if metrics.metric_set:
        metrics.flush_metrics()


@cache
def tracer() -> "Tracer | None":
    """The X-Ray tracer inside Lambda, ``None`` elsewhere; built on first use because building it imports
    the X-Ray SDK, which costs more than ``import boto3`` and is needed only where traces are sent."""
    from aws_lambda_powertools import Tracer

    if Tracer._is_tracer_disabled():
        return None
    return Tracer(service=SERVICE, patch_modules=("botocore",))


def _trace(event: Any, get_response: Callable[[Any], Any]) -> Any:
    active = tracer()
    if active is None:
        return get_response(event)
    return ConvertToMiddleware(active.capture_lambda_handler(capture_response=False))(event, get_response)


def _correlate(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Without API Gateway (the local stack, tests) a request has no request id: use the invocation's."""
    if logger.get_correlation_id() is None:
        context = event.lambda_context if isinstance(event, Request) else event.context
        logger.set_correlation_id(getattr(context, "aws_request_id", None))
    return get_response(event)


def _flush_metrics(event: Any, get_response: Callable[[Any], Any]) -> Any:
    try:
        return get_response(event)
    finally:
        flush()


def attach(app: Chalice) -> None:
    """Logs with a fresh context per invocation, metrics flushed per invocation, a trace per invocation."""
    inject = logger.inject_lambda_context(correlation_id_path=CORRELATION_PATH, clear_state=True)
    app.register_middleware(ConvertToMiddleware(inject))
    app.register_middleware(_correlate)
    app.register_middleware(_flush_metrics)
    app.register_middleware(_trace)
