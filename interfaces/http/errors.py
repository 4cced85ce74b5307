"""Every error leaves as `{"error": {"code", "message", "fields"?}}`."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from application.texts.catalogue import people_error_text, refusal_text
from domain.errors import DomainError, InvalidValue
from domain.organization import PlanBelowCustomerCount
from interfaces.http.language import reader_language

log = logging.getLogger(__name__)

STATUS_BY_CODE = {
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "validation_failed": 422,
    "conflict": 409,
    "plan_limit_reached": 403,
    "link_expired": 410,
    "link_revoked": 410,
    "link_locked": 423,
    "password_required": 401,
    "password_invalid": 401,
    "file_too_large": 413,
    "file_type_not_allowed": 415,
    "max_files_reached": 409,
    "rate_limited": 429,
    "gone": 410,
    "invitation_used": 410,
    "invitation_expired": 410,
    "invitation_withdrawn": 410,
    "last_owner": 409,
    "csrf_failed": 403,
    "mail_not_sent": 503,
    "file_damaged": 500,
    "already_recorded": 409,
    "idempotency_key_in_flight": 409,
    "file_not_scanned": 409,
    "file_infected": 403,
    "preview_not_available": 415,
    "checksum_mismatch": 460,
    "removal_refused": 403,
    "removal_too_late": 409,
}

# Same code, another status: creating past the cap is forbidden (403), while a plan
# change the customers do not fit into conflicts with the organisation's state (409).
STATUS_BY_ERROR: dict[type[DomainError], int] = {PlanBelowCustomerCount: 409}

CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    410: "gone",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}

_PATH_IN_MESSAGE = re.compile(r"`\$((?:\.[A-Za-z0-9_]+)+)")
_NAMED_IN_MESSAGE = re.compile(r"(?:required|unknown) field `([A-Za-z0-9_]+)`")


def field_in_message(message: str) -> str | None:
    """The field a msgspec validation message names, dotted where it is nested: `$.name`,
    `$.retention.delete_after_complete_days`, a required or unknown field (`retention.x`)."""
    path = _PATH_IN_MESSAGE.search(message)
    parent = path.group(1).lstrip(".") if path else None
    named = _NAMED_IN_MESSAGE.search(message)
    if named is None:
        return parent
    return f"{parent}.{named.group(1)}" if parent else named.group(1)


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    return Response(error_body(code, message, fields), status_code=status, headers=headers)


#: Paths whose callers are people (the client's pages' scripts): their refusals carry the
#: catalogue's sentence in the page's language (`?lang=`) as `message`, never server English.
PEOPLE_PATHS = ("/u/", "/d/")


def for_people(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(PEOPLE_PATHS)


def domain_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    assert isinstance(error, DomainError)
    fields = error.fields if isinstance(error, InvalidValue) else None
    status = next(
        (status for kind, status in STATUS_BY_ERROR.items() if isinstance(error, kind)),
        STATUS_BY_CODE.get(error.code, 400),
    )
    headers = getattr(error, "headers", None)
    message = (
        people_error_text(error, reader_language(request)) if for_people(request) else error.message
    )
    return error_response(status, error.code, message, fields, headers)


def validation_error_handler(_: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """Litestar's own validation (body shape, query and path parameters) in our shape."""
    assert isinstance(error, ValidationException)
    fields: dict[str, str] = {}
    extra = error.extra if isinstance(error.extra, list) else []
    for problem in extra:
        if not isinstance(problem, dict):
            continue
        message = str(problem.get("message", "is not valid"))
        key = problem.get("key")
        if not key or key == "data":
            key = field_in_message(message)
        fields[str(key or "body")] = message
    if not fields:
        fields["body"] = str(error.detail)
    return error_response(422, "validation_failed", "The request is not valid.", fields)


def http_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    assert isinstance(error, HTTPException)
    status = error.status_code
    if for_people(request):
        code = CODE_BY_STATUS.get(status, "error")
        text = refusal_text(
            "not_found_for_people" if code == "not_found" else code, reader_language(request)
        )
        return error_response(status, code, text, headers=error.headers)
    if status == 400:
        # Malformed JSON, a wrong content type: the body as a whole is the bad field.
        return error_response(
            422, "validation_failed", "The request body is not valid.", {"body": str(error.detail)}
        )
    code = CODE_BY_STATUS.get(status, "error")
    return error_response(status, code, str(error.detail), headers=error.headers)


def internal_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    # The route template, never the raw path: public paths carry link tokens.
    handler = request.scope.get("route_handler")
    log.exception("unhandled error in %s %s", request.method, handler, exc_info=error)
    return error_response(500, "internal_error", "Something went wrong on our side.")
