"""The one way a route is declared: auth, body/query validation, error mapping, OpenAPI metadata."""

import json
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from chalice import Blueprint, Response
from pydantic import BaseModel, ValidationError

from chalicelib import auth
from chalicelib.auth import Caller
from chalicelib.errors import AppError, BadRequest, NotFound, PayloadTooLarge, ValidationFailed
from chalicelib.observability import logger
from chalicelib.settings import get_settings

JSON = "application/json"
_PATH_PARAM = re.compile(r"^[A-Za-z0-9_.:@+%-]{1,254}$")  # ids, and email addresses (suppressions)


class Operation(NamedTuple):
    """One route as the API describes it (also the source of the OpenAPI document)."""

    name: str
    method: str
    path: str
    summary: str
    access: str  # a role, "operator" or "public"
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


class Call(NamedTuple):
    """What a handler receives: who calls, and the validated body and query."""

    caller: Caller | None
    body: Any = None
    query: Any = None

    @property
    def tenant_id(self) -> str:
        assert self.caller is not None
        return self.caller.tenant_id


OPERATIONS: list[Operation] = []


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    return Response(body=json.dumps(payload), status_code=status, headers={"Content-Type": JSON, **(headers or {})})


def _internal_error() -> Response:
    return json_response({"error": {"code": "internal", "message": "internal error", "details": []}}, 500)


def error_response(error: AppError) -> Response:
    return json_response(error.body(), error.status, error.headers())


def _validate(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [{"path": ".".join(str(part) for part in err["loc"]), "message": err["msg"]}
                   for err in exc.errors(include_url=False)]
        raise ValidationFailed("the request has invalid fields", details) from None


class _NotJson(ValueError):
    """A number RFC 8259 has no room for: Python's json module reads ``NaN``, ``Infinity`` and ``1e400`` (inf)."""


def _no_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotJson(f"{text} is too large for a number")
    return number


def _json_body(raw: bytes | None) -> Any:
    """The body as strict JSON (RFC 8259): the one place every API route's body is parsed."""
    raw = raw or b""
    if len(raw) > get_settings().max_body_bytes:
        raise PayloadTooLarge(f"the body is larger than {get_settings().max_body_bytes} bytes")
    if not raw.strip():
        raise BadRequest("a JSON body is required")
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except _NotJson as error:
        raise BadRequest(f"the body is not valid JSON: {error}") from None
    except (ValueError, RecursionError):
        raise BadRequest("the body is not valid JSON") from None


def _authorise(op: Operation, headers: Any) -> Caller | None:
    if op.access == "public":
        return None
    if op.access == "operator":
        auth.authenticate_operator(headers.get("authorization"))
        return None
    caller = auth.authenticate(headers.get("authorization"))
    caller.require(op.access)
    return caller


def _handle(op: Operation, handler: Callable[..., Any], request: Any, params: dict[str, str]) -> Response:
    try:
        if any(not _PATH_PARAM.match(value) for value in params.values()):
            raise NotFound("no such object")
        caller = _authorise(op, request.headers)
        if caller is not None:  # every later log line of this request names the tenant and the objects
            logger.append_keys(tenant_id=caller.tenant_id,
                               **{name: value for name, value in params.items() if name.endswith("_id")})
        body = _validate(op.body, _json_body(request.raw_body)) if op.body else None
        query = _validate(op.query, dict(request.query_params or {})) if op.query else None
        result = handler(Call(caller, body, query), **params)
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(body="", status_code=204)
        return json_response(result, op.status)
    except AppError as error:
        return error_response(error)
    except Exception:
        logger.exception("unhandled error", extra={"route": f"{op.method} {op.path}"})
        return _internal_error()


def route(bp: Blueprint, method: str, path: str, *, summary: str, access: str, tag: str,
          body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
          response: type[BaseModel] | None = None, status: int = 200,
          errors: tuple[int, ...] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare ``method path`` on ``bp``; the handler gets a :class:`Call` and the path parameters."""
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        op = Operation(handler.__name__, method, path, summary, access, tag, body, query, response, status, errors)

        def view(**params: str) -> Response:
            return _handle(op, handler, bp.current_request, params)

        view.__name__ = handler.__name__
        bp.route(path, methods=[method], content_types=[JSON])(view)
        OPERATIONS.append(op)
        return handler

    return register


def normalise_framework_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice answers some requests itself (405, 415, ...): give those our error shape too."""
    try:
        response = get_response(event)
    except Exception:
        logger.exception("unhandled error in the framework")
        return _internal_error()
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = re.sub(r"(?<!^)(?=[A-Z])", "_", str(body["Code"])).lower().removesuffix("_error")
        shaped = {"error": {"code": code, "message": str(body["Message"]), "details": []}}
        return json_response(shaped, response.status_code, {k: v for k, v in response.headers.items()
                                                             if k.lower() != "content-type"})
    return response
