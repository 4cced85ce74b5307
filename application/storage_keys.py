"""Where bytes live in the file store: the one place that knows the key layout.

An upload is written under `incoming/<id>` first and moved to its final key
(`files/<id>` for a received file, `sent/<id>` for a file sent to the client)
once its event is recorded. The id stays the same across the move, so the
staging key of any final key is known (the sweeper and readers rely on it).
"""

from __future__ import annotations

from uuid import UUID

INCOMING = "incoming/"


def incoming_key(file_id: UUID) -> str:
    return f"{INCOMING}{file_id}"


def file_key(file_id: UUID) -> str:
    return f"files/{file_id}"


def sent_key(sent_file_id: UUID) -> str:
    return f"sent/{sent_file_id}"


def staging_key_of(object_key: str) -> str:
    """The temporary key the bytes of `object_key` were written under."""
    return INCOMING + object_key.rsplit("/", 1)[-1]


def staged_id(key: str) -> UUID | None:
    """The id an `incoming/` key was written for (None: not one of ours)."""
    try:
        return UUID(key.removeprefix(INCOMING))
    except ValueError:
        return None
