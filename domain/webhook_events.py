"""The event types a webhook endpoint can subscribe to (names of ../shared/API.md)."""

from __future__ import annotations

from domain.errors import InvalidValue, problem

#: Every type there is, in the order the settings page lists them.
EVENT_TYPES: tuple[str, ...] = (
    "customer.created",
    "customer.updated",
    "customer.status_changed",
    "customer.deleted",
    "link.created",
    "link.sent",
    "link.revoked",
    "link.expired",
    "file.uploaded",
    "file.reviewed",
    "file.infected",
    "reminder.sent",
)


def event_types(value: object, field: str = "events") -> list[str]:
    """A non-empty list of known types, each once, in the order of `EVENT_TYPES`."""
    if not isinstance(value, list) or not value:
        raise InvalidValue.single(
            field, problem("webhook_events", "must be a non-empty list of event types")
        )
    chosen = set()
    for item in value:
        if not isinstance(item, str) or item not in EVENT_TYPES:
            shown = item if isinstance(item, str) and len(item) <= 60 else "…"
            raise InvalidValue.single(
                field,
                problem(
                    "webhook_event_unknown",
                    f"unknown event type {shown!r} (known: {', '.join(EVENT_TYPES)})",
                ),
            )
        chosen.add(item)
    return [name for name in EVENT_TYPES if name in chosen]
