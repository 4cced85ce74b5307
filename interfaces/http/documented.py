"""Constraints of request fields as the OpenAPI document states them.

The domain checks every value itself (trimmed first, with messages that name the
field), so these are written into the schema only (`extra_json_schema`), never
enforced a second time by msgspec: the document says what the domain accepts.
"""

from __future__ import annotations

from typing import Any

from msgspec import Meta

# No control character at all (single-line fields: names, titles, labels).
_LINE = "[^\\u0000-\\u001f\\u007f-\\u009f]"
# Tab and line breaks allowed (multi-line fields: notes, messages, comments).
_LINES = "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]"
SINGLE_LINE = f"^{_LINE}*$"
SINGLE_LINE_NOT_BLANK = f"^{_LINE}*[^\\s\\u0000-\\u001f\\u007f-\\u009f]{_LINE}*$"
MULTI_LINE = f"^{_LINES}*$"
MULTI_LINE_NOT_BLANK = f"^{_LINES}*[^\\s\\u0000-\\u001f\\u007f-\\u009f]{_LINES}*$"
# `type/subtype` or `type/*`, as `domain.upload_link.allowed_types` takes them.
MIME_TYPE = "^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/(\\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126})$"


def _documented(description: str | None = None, **schema: Any) -> Meta:
    extra: dict[str, Any] = {"extra": schema}
    if description:
        extra["description"] = description
    return Meta(extra_json_schema=extra)


def text(max_length: int, *, required: bool = True, multiline: bool = False) -> Meta:
    """Free text, trimmed by the domain; `required` text must not be blank."""
    if multiline:
        pattern = MULTI_LINE_NOT_BLANK if required else MULTI_LINE
    else:
        pattern = SINGLE_LINE_NOT_BLANK if required else SINGLE_LINE
    return _documented(max_length=max_length, pattern=pattern)


def email() -> Meta:
    return _documented(
        "An e-mail address (RFC 5322 syntax, ASCII local part); blank means none.",
        format="email",
        max_length=254,
    )


def one_of(*values: str) -> Meta:
    return _documented(enum=list(values))


def between(minimum: int, maximum: int) -> Meta:
    return _documented(minimum=minimum, maximum=maximum)


def length(min_length: int, max_length: int) -> Meta:
    return _documented(min_length=min_length, max_length=max_length)


def items(max_items: int) -> Meta:
    return _documented(max_items=max_items, unique_items=True)


def matching(pattern: str) -> Meta:
    return _documented(pattern=pattern)
