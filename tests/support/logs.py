"""Reading the JSON log lines of a `docintake` process."""

from __future__ import annotations

import json


def messages(log: str) -> list[str]:
    """The message of every JSON log line, in order (other lines are passed over)."""
    found = []
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "message" in entry:
            found.append(str(entry["message"]))
    return found


def last_message(log: str) -> str | None:
    """The message of the last JSON log line."""
    found = messages(log)
    return found[-1] if found else None
