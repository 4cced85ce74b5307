"""How long an organisation keeps received files: its two retention periods, and the moment
a file's period ends.

- `delete_after_complete_days`: files of a customer go this many days after the customer
  was set complete ("Vollständig"); setting the customer back cancels it.
- `delete_after_link_expiry_days`: files of a link go this many days after the link
  expired.

Both are off (None) unless the organisation sets them; a file goes at the earlier of the
two moments that apply to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.errors import InvalidValue, Problem, problem

RETENTION_MIN_DAYS = 1
#: Ten years: the longest retention German commercial and tax law asks of anyone.
RETENTION_MAX_DAYS = 3650
AFTER_COMPLETE = "delete_after_complete_days"
AFTER_LINK_EXPIRY = "delete_after_link_expiry_days"
#: The periods and their default: off.
RETENTION_DEFAULTS: dict[str, int | None] = {AFTER_COMPLETE: None, AFTER_LINK_EXPIRY: None}


def retention_days(value: object, field: str) -> int | None:
    """A period in whole days (1 to 3650), or None (off); an empty form field is off too."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 6:
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON's 30.0 is the whole number 30
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not RETENTION_MIN_DAYS <= value <= RETENTION_MAX_DAYS
    ):
        raise InvalidValue.single(
            field,
            problem(
                "number_range",
                f"must be a whole number of days from {RETENTION_MIN_DAYS} to"
                f" {RETENTION_MAX_DAYS}, or null (off)",
                low=RETENTION_MIN_DAYS,
                high=RETENTION_MAX_DAYS,
            ),
        )
    return value


def retention_changes(values: object, prefix: str = "retention") -> dict[str, int | None]:
    """Validate a partial set of periods: known names, each off or 1..3650 days; every
    problem named `retention.<name>`."""
    if not isinstance(values, dict):
        raise InvalidValue.single(prefix, "must be an object")
    problems: dict[str, str | Problem] = {}
    changes: dict[str, int | None] = {}
    for name, value in values.items():
        field = f"{prefix}.{name}"
        if name not in RETENTION_DEFAULTS:
            problems[field] = "is not a retention period"
            continue
        try:
            changes[str(name)] = retention_days(value, field)
        except InvalidValue as invalid:
            problems.update(invalid.problems)
    if problems:
        raise InvalidValue(problems)
    return changes


def deletion_due(
    periods: dict[str, int | None],
    complete_since: datetime | None,
    link_expires_at: datetime | None,
) -> datetime | None:
    """When a file's retention ends: `complete_since` (None: the customer is not complete)
    plus the one period, the link's expiry plus the other; the earlier; None when neither
    applies."""
    moments = []
    after_complete = periods.get(AFTER_COMPLETE)
    if after_complete is not None and complete_since is not None:
        moments.append(complete_since + timedelta(days=after_complete))
    after_expiry = periods.get(AFTER_LINK_EXPIRY)
    if after_expiry is not None and link_expires_at is not None:
        moments.append(link_expires_at + timedelta(days=after_expiry))
    return min(moments) if moments else None
