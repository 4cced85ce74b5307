"""What of an error may be written down: its class, a code and where it was raised, never
its message.

An error's message can quote what it failed on: a mail server echoes the recipient's
address ("450 4.2.1 <anna@example.at>: mailbox busy"), a database error its failing
row ("Failing row contains (…, Anna Österreich, …)"), a parser the value it could not
read. Log lines, job tables, broker messages and poison records outlive a customer's
erasure, so they keep this summary instead. Errors of ours whose message is built from
codes only say so by deriving from `ErrorWithoutPersonalData`; their message is kept.
"""

from __future__ import annotations

import traceback
from pathlib import Path

#: How much of a summary is kept (an error without personal data may be long).
SUMMARY_LENGTH = 1000


class ErrorWithoutPersonalData(Exception):
    """An error whose message names no one (built from codes, ids and our own words)."""


def error_code(error: BaseException) -> str | None:
    """A code the error carries (SQLSTATE, errno, SMTP reply code), if any."""
    for name in ("sqlstate", "smtp_code", "errno"):
        value = getattr(error, name, None)
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            return str(value)
    return None


def raised_at(error: BaseException) -> str | None:
    """File and line of the innermost frame of our own code the error passed through."""
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    ours = [f for f in frames if "site-packages" not in f.filename] or frames
    if not ours:
        return None
    return f"{Path(ours[-1].filename).name}:{ours[-1].lineno}"


def error_summary(error: BaseException) -> str:
    """`Class (code) at file:line`, or the message of an error without personal data."""
    if isinstance(error, ErrorWithoutPersonalData):
        return str(error)[:SUMMARY_LENGTH]
    summary = type(error).__name__
    code = error_code(error)
    if code is not None:
        summary += f" ({code})"
    where = raised_at(error)
    if where is not None:
        summary += f" at {where}"
    return summary


def error_trace(error: BaseException) -> str:
    """A traceback with every message replaced by its summary (frames show code, not data)."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        stack = traceback.extract_tb(current.__traceback__) if current.__traceback__ else []
        parts.append(
            "Traceback (most recent call last; messages left out):\n"
            + "".join(traceback.format_list(stack))
            + error_summary(current)
        )
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    return "\n\nwhich was raised while handling:\n".join(parts)
