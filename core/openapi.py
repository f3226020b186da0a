"""OpenAPI post-processing: every operation documents the error answers it can give.

Errors have one body everywhere (``core.api.exception_handler``); documenting them once here
keeps the schema true for every endpoint, including ones added later.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable reason."},
        "detail": {"type": "string", "description": "For people, in the request's language."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages per input field; empty when the error is not about a field.",
        },
    },
    "required": ["code", "detail", "fields"],
}
DESCRIPTIONS = {
    "400": "The input is not valid, or a business rule refused the request.",
    "401": "No valid credentials (a missing, expired or revoked token).",
    "403": "Not allowed: the role, the token's scopes or the firm's plan do not cover this.",
    "404": "No such object in this firm (in the path or named in the request), or no such page.",
    "409": "The object changed state in the meantime, or the request conflicts with another.",
    "415": "The request body is not in a media type this operation reads.",
    "429": "Too many requests; retry after the seconds in Retry-After.",
}
METHODS = ("get", "put", "post", "patch", "delete")


def _error_codes(operation: dict[str, Any]) -> list[str]:
    query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
    writes = "requestBody" in operation
    anonymous = any(not requirement for requirement in operation.get("security", [{}]))
    codes = ["401", "429"]
    if query or writes or operation.get("__method") != "get":
        codes.append("400")
    if not anonymous:
        codes.append("403")
    if not anonymous:  # the object in the path, or one the request names, may not exist in this firm
        codes.append("404")
    if operation.get("__method") != "get":
        codes.append("409")
    if writes:
        codes.append("415")
    return sorted(codes)


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: add the error answers to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for item in result.get("paths", {}).values():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            codes = _error_codes({**operation, "__method": method})
            for code in codes:
                responses.setdefault(
                    code, {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": reference}}}
                )
    return result
