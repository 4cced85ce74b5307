"""What the customer page shows of one link's due date and reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from interfaces.http.presenters import ReminderSetting, reminders_of
from interfaces.web.days import form_day
from projections.customer_detail import LinkRow


@dataclass(frozen=True)
class LinkReminderView:
    """What the customer page shows of one link's reminders."""

    mode: str
    days_before: str
    every_days_after: int
    max_count: int
    next_at: datetime | None
    due_day: str


def link_reminder_view(link: LinkRow, setting: ReminderSetting, zone: str) -> LinkReminderView:
    state = reminders_of(link, setting)
    mode = "off" if not state.enabled else "own" if state.own_schedule else "organization"
    return LinkReminderView(
        mode=mode,
        days_before=", ".join(str(day) for day in state.schedule.days_before),
        every_days_after=state.schedule.every_days_after,
        max_count=state.schedule.max_count,
        next_at=state.next_at,
        due_day=form_day(link.due_at, zone),
    )
