"""Days in the date fields of the staff pages, where the organisation is: a typed
`YYYY-MM-DD` stands for the end of that day there, and a stored moment shows as its day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from application.texts.formats import time_zone
from domain.errors import InvalidValue, problem


def local_end_of_day(raw: str, zone: str) -> datetime:
    """`YYYY-MM-DD` as the end of that day where the organisation is (an expiry or due date
    that pages and mails then name as that day)."""
    day = date.fromisoformat(raw)
    local = datetime(day.year, day.month, day.day, 23, 59, tzinfo=time_zone(zone))
    return local.astimezone(UTC)


def day_field(raw: str, name: str, zone: str) -> datetime | None:
    """The end of the day typed into field `name` (None when empty); anything else that is
    no date is refused, naming the field."""
    text = raw.strip()
    if not text:
        return None
    try:
        return local_end_of_day(text, zone)
    except ValueError:
        raise InvalidValue.single(name, problem("invalid_date", "is not a date")) from None


def form_day(moment: datetime | None, zone: str) -> str:
    """The day a date field shows for `moment` (empty for none)."""
    return moment.astimezone(time_zone(zone)).date().isoformat() if moment else ""
