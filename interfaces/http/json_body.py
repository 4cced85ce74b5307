"""JSON request bodies are checked before they are decoded: UTF-8 text, bounded nesting.

A body nested a thousand levels deep (2 KB) makes the decoder recurse until Python
gives up, and bytes that are not UTF-8 fail inside it: both would leave as a 500.
No body of ours nests deeper than a few levels, so a cap of 32 refuses nothing real.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
from litestar import Request

from domain.errors import InvalidValue
from interfaces.http.errors import field_in_message

MAX_JSON_DEPTH = 32

# A JSON string (escapes included), written so that long strings do not backtrack.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` (strings do not count)."""
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def checked_json_body(body: bytes) -> None:
    """Refuse (422 naming `body`) what the decoder must not be given."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidValue.single("body", "is not UTF-8 text") from None
    if json_depth_exceeds(body, MAX_JSON_DEPTH):
        raise InvalidValue.single("body", f"nests deeper than {MAX_JSON_DEPTH} levels")
    repeated = repeated_key(body)
    if repeated is not None:
        raise InvalidValue.single(repeated, "is given more than once")


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _RepeatedKey(key)
        seen[key] = value
    return seen


def repeated_key(body: bytes) -> str | None:
    """The first key an object of `body` gives twice (`{"name": "A", "name": "B"}`), if any:
    the decoder would keep the last silently, another reader of the same bytes the first.
    A body that is no JSON at all is left for the decoder to refuse."""
    if body.count(b'"') < 4:
        return None
    try:
        json.loads(body, object_pairs_hook=_refuse_repeats)
    except _RepeatedKey as repeated:
        return repeated.key or "body"
    except ValueError:
        return None
    return None


def whole_numbers(value: Any) -> Any:
    """`30.0` as `30`, at any depth: JSON has one number type, and a number without a
    fraction is an integer (JSON Schema's reading, and the lax conversion's)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    return value


def strictly(value: Any, body_type: Any) -> None:
    """Refuse what only lax conversion would take (`"false"` for a bool, `0` for false):
    Litestar converts bodies laxly, the document promises JSON types. A whole number
    written with a fraction (`30.0`) is the integer it is."""
    try:
        msgspec.convert(whole_numbers(value), type=body_type, strict=True)
    except msgspec.ValidationError as error:
        raise InvalidValue.single(field_in_message(str(error)) or "body", str(error)) from None


def is_json_media_type(media_type: str) -> bool:
    """`application/json` or a JSON-based type (`application/merge-patch+json`)."""
    kind = media_type.strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


class CheckedRequest(Request[Any, Any, Any]):
    """The request of every route: its JSON body passes `checked_json_body` first, and
    its decoded value the handler's body type strictly."""

    async def json(self) -> Any:
        body = await self.body()
        if body.strip() and not is_json_media_type(self.content_type[0]):
            # Sent as something else, it may not be what the client meant to send at all.
            raise InvalidValue.single("Content-Type", "must be application/json")
        checked_json_body(body)
        value = await super().json()
        data = self.route_handler.parsed_fn_signature.parameters.get("data")
        if data is not None and value is not None:
            strictly(value, data.annotation)
        return value
