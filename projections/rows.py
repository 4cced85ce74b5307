"""Reading values back the same way from SQLite (text) and PostgreSQL (typed columns)."""

from __future__ import annotations

import base64
import dataclasses
import json
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints
from uuid import UUID

T = TypeVar("T")


def as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _plain_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


#: How a column's value is read back, by the type of the field it fills.
_READERS: dict[Any, Callable[[Any], Any]] = {
    UUID: as_uuid,
    datetime: as_datetime,
    bool: bool,
    int: int,
    list: _plain_json,
    dict: _plain_json,
}


def _reader(hint: Any) -> Callable[[Any], Any] | None:
    """How to read a value for a field of type `hint` (None: as the database gives it)."""
    if get_origin(hint) in (Union, types.UnionType):
        [hint] = [arg for arg in get_args(hint) if arg is not type(None)]
    return _READERS.get(get_origin(hint) or hint)


@cache
def _fields(cls: Any) -> list[tuple[str, Callable[[Any], Any] | None, Any]]:
    hints = get_type_hints(cls)
    return [
        (field.name, _reader(hints[field.name]), field.default) for field in dataclasses.fields(cls)
    ]


def row_as(cls: type[T], row: Mapping[str, Any], **given: Any) -> T:
    """A row read back as the dataclass declaring its shape: each field from the column of
    its name, read by the field's type (SQLite keeps ids, times and JSON as text, and
    booleans as 0/1); a field without a column, or with NULL, takes its default. `given`
    fields are not read from the row."""
    values = dict(given)
    kind: Any = cls
    for name, read, default in _fields(kind):
        if name in given:
            continue
        value = row.get(name)
        if value is None:
            values[name] = None if default is dataclasses.MISSING else default
        else:
            values[name] = value if read is None else read(value)
    return cls(**values)


def chunks(values: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, count: int) -> list[str]:
    """Raises ValueError for anything that is not a cursor this service handed out."""
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError("not a valid cursor") from error
    if not isinstance(values, list) or len(values) != count:
        raise ValueError("not a valid cursor")
    if not all(isinstance(v, str) for v in values):
        raise ValueError("not a valid cursor")
    return values


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` as a plain substring (with ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
