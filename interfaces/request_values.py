"""A request's raw values made typed for a command: judged once the caller may run it.

Commands take enums, ids, dates and numbers; a request carries text. Each entry point
parses it with the domain's own parser (`CustomerStatus.parse`, `Role.parse`, ...), but
only after asking the command whether the caller may run it at all
(`authorize_command`). So a viewer who sends `{"status": "erledigt"}` learns 403, like
any viewer, and only a caller who may set a status learns 422 about the value. Parsing
first would answer a viewer 422 and tell them more than that they may not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from application.command import authorize_command
from application.principal import Principal
from domain.errors import InvalidValue

T = TypeVar("T")


def value_for(
    command: Callable[..., Any], principal: Principal, parse: Callable[[object], T], raw: object
) -> T:
    """`parse(raw)` for `command`, after the principal was authorised for it (`Forbidden`
    first, then the parser's `InvalidValue` naming the field)."""
    authorize_command(principal, command)
    return parse(raw)


def optional_id(raw: str | None, field: str) -> UUID | None:
    """An id given as text (blank: none), or `InvalidValue` naming the field."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return UUID(text)
    except ValueError:
        raise InvalidValue.single(field, "is not a valid id") from None
