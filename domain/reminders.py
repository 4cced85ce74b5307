"""When a link's client is reminded: the schedule, its slots, and the sending window.

A schedule names days before the due date, a repeat after it and a most count
(default: 7 and 2 days before, then every 3 days after, at most 5). Each moment
of the schedule is a slot, numbered in time order; a reminder fills one slot at
most once. Slots that lay before the due date was set are never sent (a link due
in three days does not send its "7 days before" at once), and when several
slots have passed unsent (a worker was down) only the latest is sent.

A reminder goes out only inside the window: weekdays 8 to 18 o'clock in the
organisation's time zone; a slot outside it waits for the window's next opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import InvalidValue, Problem, problem

WINDOW_OPENS = time(8, 0)
WINDOW_CLOSES = time(18, 0)
#: Monday .. Friday (`datetime.weekday()`).
WINDOW_DAYS = frozenset(range(5))
MAX_REMINDERS_CEILING = 20
MAX_DAYS = 365


@dataclass(frozen=True)
class ReminderSchedule:
    """Days before the due date, the repeat after it (0: none) and the most reminders."""

    days_before: tuple[int, ...] = (7, 2)
    every_days_after: int = 3
    max_count: int = 5

    def to_plain(self) -> dict[str, object]:
        return {
            "days_before": list(self.days_before),
            "every_days_after": self.every_days_after,
            "max_count": self.max_count,
        }

    @classmethod
    def from_plain(cls, value: dict[str, Any]) -> ReminderSchedule:
        """A schedule as an event or a read model stored it (checked when it was set)."""
        return cls(
            tuple(int(day) for day in value["days_before"]),
            int(value["every_days_after"]),
            int(value["max_count"]),
        )

    @classmethod
    def parse(
        cls, value: object, field: str = "schedule", base: ReminderSchedule | None = None
    ) -> ReminderSchedule:
        """A schedule from `{days_before: [..], every_days_after, max_count}`; a value left
        out is `base`'s (the default schedule's)."""
        if not isinstance(value, dict):
            raise InvalidValue.single(
                field, "must be an object with days_before, every_days_after and max_count"
            )
        base = base or cls()
        unknown = sorted(set(value) - {"days_before", "every_days_after", "max_count"})
        if unknown:
            raise InvalidValue.single(f"{field}.{unknown[0]}", "is not a schedule field")
        before = value.get("days_before", list(base.days_before))
        after = value.get("every_days_after", base.every_days_after)
        count = value.get("max_count", base.max_count)
        problems: dict[str, Problem] = {}
        days = problem(
            "schedule_days",
            f"must be a list of whole days 1..{MAX_DAYS}, each once",
            high=MAX_DAYS,
        )
        if (
            not isinstance(before, list)
            or len(before) > MAX_REMINDERS_CEILING
            or not all(_whole(day, 1, MAX_DAYS) for day in before)
            or len(set(before)) != len(before)
        ):
            problems[f"{field}.days_before"] = days
        if not _whole(after, 0, MAX_DAYS):
            problems[f"{field}.every_days_after"] = problem(
                "number_range", f"must be a whole number 0..{MAX_DAYS}", low=0, high=MAX_DAYS
            )
        if not _whole(count, 1, MAX_REMINDERS_CEILING):
            problems[f"{field}.max_count"] = problem(
                "number_range",
                f"must be a whole number 1..{MAX_REMINDERS_CEILING}",
                low=1,
                high=MAX_REMINDERS_CEILING,
            )
        if problems:
            raise InvalidValue(problems)
        return cls(tuple(sorted(before, reverse=True)), after, count)

    def slots(self, due_at: datetime) -> list[datetime]:
        """The moments of this schedule for `due_at`, in time order, at most `max_count`."""
        moments = [due_at - timedelta(days=days) for days in self.days_before]
        if self.every_days_after:
            repeat = 1
            while len(moments) < self.max_count:
                moments.append(due_at + timedelta(days=self.every_days_after * repeat))
                repeat += 1
        return moments[: self.max_count]


DEFAULT_SCHEDULE = ReminderSchedule()


def organization_reminders(
    value: object, enabled: bool, schedule: ReminderSchedule, field: str = "reminder_schedule"
) -> tuple[bool, ReminderSchedule]:
    """An organisation's reminder setting from `{enabled?, days_before?, every_days_after?,
    max_count?}`: what is left out stays as it is (`enabled`, `schedule`)."""
    if not isinstance(value, dict):
        raise InvalidValue.single(
            field,
            "must be an object with enabled, days_before, every_days_after and max_count",
        )
    switch = value.get("enabled", enabled)
    if not isinstance(switch, bool):
        raise InvalidValue.single(f"{field}.enabled", "must be true or false")
    rest = {key: part for key, part in value.items() if key != "enabled"}
    return switch, ReminderSchedule.parse(rest, field, base=schedule)


def schedule_in_force(
    link_schedule: ReminderSchedule | None,
    organization_on: bool,
    organization_schedule: ReminderSchedule,
) -> ReminderSchedule | None:
    """The schedule a link is reminded by: its own, else the organisation's while that is
    on (None: no automatic reminders)."""
    if link_schedule is not None:
        return link_schedule
    return organization_schedule if organization_on else None


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def into_window(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` if it lies inside the sending window, else the window's next opening."""
    local = moment.astimezone(zone)
    for _ in range(8):
        if local.weekday() in WINDOW_DAYS:
            opens = local.replace(hour=WINDOW_OPENS.hour, minute=0, second=0, microsecond=0)
            closes = local.replace(hour=WINDOW_CLOSES.hour, minute=0, second=0, microsecond=0)
            if local < opens:
                return opens
            if local < closes:
                return local
        local = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    raise AssertionError("a week always has a window")


def in_window(moment: datetime, zone: ZoneInfo) -> bool:
    return into_window(moment, zone) == moment.astimezone(zone)


@dataclass(frozen=True)
class NextReminder:
    """The slot to fill next and when it may go out (inside the window)."""

    slot: int
    at: datetime


def next_reminder(
    schedule: ReminderSchedule,
    due_at: datetime,
    scheduled_from: datetime,
    last_slot: int | None,
    sent_count: int,
    now: datetime,
    zone: ZoneInfo,
) -> NextReminder | None:
    """The reminder that is due at `now` or comes next; None when the schedule is done.

    Of the slots after `last_slot` that lie after `scheduled_from`, the latest
    one already passed (the others are skipped), or else the next one to come.
    """
    if sent_count >= schedule.max_count:
        return None
    open_slots = [
        (number, moment)
        for number, moment in enumerate(schedule.slots(due_at))
        if moment > scheduled_from and (last_slot is None or number > last_slot)
    ]
    if not open_slots:
        return None
    passed = [(number, moment) for number, moment in open_slots if moment <= now]
    number, moment = passed[-1] if passed else open_slots[0]
    return NextReminder(number, into_window(moment, zone))
