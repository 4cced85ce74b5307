"""The OpenAPI document as the service really behaves (`/schema/openapi.json`).

Litestar describes each route from its handler: the success answer, its own unused
400 shape, one global security requirement. This adds what the handlers do not
declare: every error status an operation can answer, in our error shape; which
operations need the bearer token, the staff session cookie, or nothing; downloads as
binary, pages as HTML, the two multipart bodies, the optional body of a link send,
204 answers without a body, enums of query parameters, `additionalProperties: false`
where a body refuses unknown fields, and the deployment's upload size limit.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from litestar import Request
from litestar.enums import OpenAPIMediaType
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.serialization import encode_json

from domain.reminders import MAX_DAYS
from domain.retention import RETENTION_MAX_DAYS, RETENTION_MIN_DAYS
from domain.values import CustomerStatus
from interfaces.http import documented
from interfaces.http.sessions import CSRF_HEADER, SESSION_COOKIE
from projections.customer_list import SORTS

ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "description": "Stable machine code."},
                "message": {"type": "string", "description": "For people."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "Each refused field (validation_failed) and its problem.",
                },
            },
        }
    },
}

STATUS_TEXT = {
    401: "Not signed in (or a link password is missing or wrong).",
    403: "The role may not do this, or the plan allows no more customers.",
    404: "No such thing in this organisation.",
    405: "The path has no such method.",
    409: "Conflicts with the current state.",
    410: "Expired, revoked or already used.",
    412: "tus: the request lacks `Tus-Resumable: 1.0.0`.",
    413: "The body or a file is too large.",
    415: "The file's type is not taken by this link.",
    422: "A field or parameter is not valid; `fields` names each.",
    423: "The link is locked after too many wrong passwords.",
    429: "Too many attempts; `Retry-After` says when to try again.",
    460: "tus: the bytes do not match `Upload-Checksum`; none of them is kept.",
    503: "A dependency (mail server, storage) did not answer.",
}

# Operations anyone may call; the staff session ones take the cookie instead.
PUBLIC = re.compile(
    r"^(/health|/ready|/api/v1/signup|/api/v1/auth/token|/api/v1/sessions"
    r"|/api/v1/invitations/\{token\}/accept|/u/.*|/d/.*)$"
)
SESSION = "/api/v1/sessions/current"

# What an operation can answer beyond the general rules (see `_statuses`).
SPECIFIC: dict[tuple[str, str], set[int]] = {
    ("get", "/ready"): {503},
    ("post", "/api/v1/signup"): {409},
    ("post", "/api/v1/auth/token"): {401, 429},
    ("post", "/api/v1/sessions"): {401, 429},
    ("post", "/api/v1/invitations"): {503},
    ("post", "/api/v1/invitations/{token}/accept"): {404, 410},
    ("post", "/api/v1/invitations/{token}/resend"): {503},
    ("post", "/api/v1/links/{link_id}/send"): {503},
    ("post", "/api/v1/customers/{customer_id}/sent-files"): {413},
    ("put", "/api/v1/organization/branding/logo"): {413, 415},
    ("get", "/u/{token}"): {410, 423},
    ("post", "/u/{token}/access"): {401, 410, 423, 429},
    ("post", "/u/{token}/files"): {401, 409, 410, 413, 415, 423, 429},
    # Another key 403, after 15 minutes 409 (the link's own states as for uploads).
    ("post", "/u/{token}/files/{file_id}/remove"): {401, 403, 409, 410, 423, 429},
    ("get", "/d/{token}"): {410},
    ("get", "/d/{token}/content"): {410},
    ("get", "/api/v1/files/{file_id}/content"): {403, 409},
    # tus: 412 without `Tus-Resumable: 1.0.0`, 460 for a checksum that does not match.
    ("post", "/u/{token}/tus"): {401, 409, 410, 412, 413, 415, 423, 429, 460},
    ("head", "/u/{token}/tus/{upload_id}"): {401, 410, 412, 423, 429},
    ("patch", "/u/{token}/tus/{upload_id}"): {401, 409, 410, 412, 413, 415, 423, 429, 460},
    ("delete", "/u/{token}/tus/{upload_id}"): {401, 410, 412, 423, 429},
}
HTML_PAGES = {("get", "/u/{token}"), ("get", "/d/{token}")}
DOWNLOADS = {
    ("get", "/api/v1/files/{file_id}/content"),
    ("get", "/d/{token}/content"),
    ("get", "/api/v1/customers/{customer_id}/files.zip"),
}

_FILE = {"type": "string", "format": "binary"}
BLANK = "^\\s*$"
_TEXT = {"type": "string", "maxLength": 4096}
MULTIPART = {
    ("post", "/u/{token}/files"): {
        "type": "object",
        "required": ["file"],
        "properties": {
            "password": {**_TEXT, "description": "The link's password (or X-Link-Password)."},
            "item_id": {"type": "string", "format": "uuid"},
            "replaces": {
                "type": "string",
                "format": "uuid",
                "description": "A file of no requested document with an open question: this"
                " file answers it.",
            },
            "uploader_name": {
                "type": "string",
                "maxLength": 200,
                "pattern": documented.SINGLE_LINE,
            },
            "uploader_email": {
                "type": "string",
                "maxLength": 254,
                "anyOf": [{"format": "email"}, {"pattern": BLANK}],
            },
            "file": {"type": "array", "items": _FILE, "minItems": 1, "maxItems": 50},
        },
        "encoding": {"file": {"contentType": "application/octet-stream"}},
    },
    ("post", "/api/v1/customers/{customer_id}/sent-files"): {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": _FILE,
            "expires_at": {
                "type": "string",
                "anyOf": [{"format": "date-time"}, {"pattern": BLANK}],
            },
        },
        "encoding": {"file": {"contentType": "application/octet-stream"}},
    },
    ("put", "/api/v1/organization/branding/logo"): {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {
                **_FILE,
                "description": "PNG or JPEG (read from its bytes), at most 1 MiB and 4000"
                " pixels a side",
            },
        },
        "encoding": {"file": {"contentType": "image/png, image/jpeg"}},
    },
}


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": STATUS_TEXT[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _statuses(method: str, path: str, operation: dict[str, Any], public: bool) -> set[int]:
    statuses = set(SPECIFIC.get((method, path), set()))
    if not public:
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if operation.get("parameters") or operation.get("requestBody") or (method, path) in MULTIPART:
        statuses.add(422)
    if operation.get("requestBody") or (method, path) in MULTIPART:
        statuses.add(413)
    if method in {"post", "put", "patch", "delete"} and not public:
        # A command that lost optimistic-concurrency races too often, or one that the
        # state refuses (the last owner, a plan below the customer count, ...).
        statuses.add(409)
    return statuses


def _constrain_components(schemas: dict[str, Any], max_upload_size: int) -> None:
    for schema in schemas.values():
        if schema.get("type") == "object" and str(schema.get("title", "")).endswith("Request"):
            schema["additionalProperties"] = False
            for name, field in schema.get("properties", {}).items():
                if field.get("format") == "email" and name not in schema.get("required", []):
                    # An optional address may be blank: that means none.
                    field.pop("format")
                    field["anyOf"] = [{"format": "email"}, {"pattern": BLANK}]
    link = schemas["CreateLinkRequest"]["properties"]
    link["max_file_size"]["maximum"] = max_upload_size
    link["allowed_types"]["oneOf"][0]["items"]["pattern"] = documented.MIME_TYPE
    label = link["requested_items"]["oneOf"][0]["items"]["oneOf"][0]
    label.update(schemas["RequestedItemRequest"]["properties"]["label"])
    # A link password is empty (none) or 6..200 characters.
    link["password"]["pattern"] = "^(|.{6,})$"
    schemas["ChangeOrganizationRequest"]["properties"]["permissions"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            name: {"type": "boolean"}
            for name in (
                "members_can_delete_customers",
                "members_can_send_links",
                "members_can_review_files",
                "members_can_manage_links",
            )
        },
    }
    # Each day of a reminder schedule (Litestar drops a list item's own constraints).
    for shape in ("ReminderScheduleRequest", "OrganizationRemindersRequest"):
        days = schemas[shape]["properties"]["days_before"]
        for candidate in (days, *days.get("oneOf", []), *days.get("anyOf", [])):
            if candidate.get("type") == "array":
                candidate["items"] = {"type": "integer", "minimum": 1, "maximum": MAX_DAYS}
    # Retention periods: whole days or null for off (Litestar drops a union member's bounds).
    for field in schemas["RetentionRequest"]["properties"].values():
        field.pop("oneOf", None)
        field["oneOf"] = [
            {"type": "integer", "minimum": RETENTION_MIN_DAYS, "maximum": RETENTION_MAX_DAYS},
            {"type": "null"},
        ]
    # A query needs its follow-up question.
    schemas["ReviewRequest"]["if"] = {
        "properties": {"state": {"const": "query"}},
        "required": ["state"],
    }
    schemas["ReviewRequest"]["then"] = {
        "required": ["comment"],
        "properties": {"comment": {"type": "string", "pattern": documented.MULTI_LINE_NOT_BLANK}},
    }


def _query_enums(path: str, operation: dict[str, Any]) -> None:
    if path != "/api/v1/customers":
        return
    for parameter in operation.get("parameters", []):
        if parameter["name"] == "status":
            parameter["schema"] = {"type": "string", "enum": [s.value for s in CustomerStatus]}
        elif parameter["name"] == "sort":
            parameter["schema"] = {"type": "string", "enum": list(SORTS), "default": "name"}


def _text_parameters(operation: dict[str, Any]) -> None:
    """Query text is checked like stored text: no control characters."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter["name"] in {"q", "cursor", "lang"}:
            parameter["schema"]["pattern"] = documented.SINGLE_LINE


def truthful(document: dict[str, Any], max_upload_size: int) -> dict[str, Any]:
    """A copy of Litestar's document, corrected as the module docstring says."""
    document = copy.deepcopy(document)
    document.pop("security", None)
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR
    components.setdefault("securitySchemes", {})["session"] = {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": (
            f"Staff session from POST /api/v1/sessions; unsafe methods add {CSRF_HEADER}."
        ),
    }
    _constrain_components(components["schemas"], max_upload_size)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "delete", "patch"}:
                continue
            public = bool(PUBLIC.match(path))
            if path == SESSION:
                operation["security"] = [{"session": []}]
            else:
                operation["security"] = [] if public else [{"bearer": []}]
            _query_enums(path, operation)
            _text_parameters(operation)
            key = (method, path)
            if key == ("post", "/api/v1/links/{link_id}/send"):
                operation["requestBody"]["required"] = False
                operation["requestBody"]["content"]["application/json"]["schema"] = {
                    "$ref": "#/components/schemas/SendLinkRequest"
                }
            if key in MULTIPART:
                shape = dict(MULTIPART[key])
                encoding = shape.pop("encoding")
                operation["requestBody"] = {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": shape, "encoding": encoding}},
                }
            responses = operation.setdefault("responses", {})
            responses.pop("400", None)
            for status, answer in responses.items():
                if status == "204":
                    answer.pop("content", None)
                elif key in DOWNLOADS and status == "200":
                    answer["content"] = {"*/*": {"schema": _FILE}}
                elif key in HTML_PAGES and status == "200":
                    answer["content"] = {"text/html": {"schema": {"type": "string"}}}
            for status in sorted(_statuses(method, path, operation, public)):
                answer = _error_response(status)
                if key in HTML_PAGES and status in {404, 410, 423}:
                    answer["content"] = {"text/html": {"schema": {"type": "string"}}}
                responses[str(status)] = answer
    return document


class TruthfulOpenAPIJson(OpenAPIRenderPlugin):
    """Serves `/schema/openapi.json` corrected by `truthful` (built once per app)."""

    def __init__(self) -> None:
        super().__init__(path="/openapi.json", media_type=OpenAPIMediaType.OPENAPI_JSON)
        self._rendered: bytes | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self._rendered is None:
            services = request.app.state.services
            document = truthful(openapi_schema, services.settings.max_upload_size)
            self._rendered = encode_json(document)
        return self._rendered
