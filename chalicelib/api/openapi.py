"""``GET /v1/openapi.json``: the OpenAPI 3.1 document, generated from the declared operations."""

from functools import cache
from typing import Any

from chalice import Blueprint
from pydantic.json_schema import models_json_schema

from chalicelib.api.routing import OPERATIONS, Call, Operation, json_response, route
from chalicelib.models.common import ErrorBody

bp = Blueprint(__name__)
_REF = "#/components/schemas/{model}"
_ERRORS = {
    400: "Malformed request", 401: "Missing or invalid token", 403: "The token's role does not allow this",
    404: "No such object in the caller's tenant", 409: "Conflict", 413: "Body too large",
    415: "Content-Type is not application/json", 422: "Invalid fields", 429: "Rate limited (see Retry-After)",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": "RFC 6750 challenge: Bearer realm=\"email-report\", with "
                                              "error=\"invalid_token\" when the token sent is not valid",
                               "required": True, "schema": {"type": "string", "pattern": "^Bearer "}}},
    429: {"Retry-After": {"description": "seconds to wait", "required": True,
                          "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
}


def _error_codes(op: Operation) -> list[int]:
    codes = {400, 415, *op.errors}  # the framework answers 415 for any Content-Type other than JSON
    if op.access != "public":
        codes |= {401, 403}
    if op.body:
        codes |= {413, 422}
    if op.query:
        codes.add(422)
    if op.path_params:
        codes.add(404)
    return sorted(codes)


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in op.path_params]
    if op.query:
        properties = op.query.model_json_schema()["properties"]
        params += [{"name": name, "in": "query", "required": info.is_required(), "schema": properties[name]}
                   for name, info in op.query.model_fields.items()]
    return params


@cache
def document() -> dict[str, Any]:
    """The whole OpenAPI document; built once per process."""
    models = {(ErrorBody, "serialization")}
    for op in OPERATIONS:
        if op.body:
            models.add((op.body, "validation"))
        if op.response:
            models.add((op.response, "serialization"))
    refs, defs = models_json_schema(sorted(models, key=lambda m: m[0].__name__), ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        responses: dict[str, Any] = {}
        if op.response:
            content = {"application/json": {"schema": refs[(op.response, "serialization")]}}
            responses[str(op.status)] = {"description": "Success", "content": content}
        else:
            responses[str(op.status)] = {"description": "Success"}
        for code in _error_codes(op):
            error_schema = {"application/json": {"schema": refs[(ErrorBody, "serialization")]}}
            responses[str(code)] = {"description": _ERRORS[code], "content": error_schema,
                                    **({"headers": _HEADERS[code]} if code in _HEADERS else {})}
        entry: dict[str, Any] = {
            "operationId": op.name,
            "summary": op.summary, "tags": [op.tag], "parameters": _parameters(op), "responses": responses,
            "security": [] if op.access == "public" else [{"bearer": []}],
            "x-access": op.access,
        }
        if op.body:
            entry["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": refs[(op.body, "validation")]}}}
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Email Report API", "version": "1.0.0",
                 "description": "Scheduled PDF security reports and instant email notifications."},
        "paths": paths,
        "components": {"schemas": defs.get("$defs", {}),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@route(bp, "GET", "/v1/openapi.json", summary="This OpenAPI document", access="public", tag="meta")
def openapi(call: Call) -> Any:
    return json_response(document())
