"""Read-model rows as the contract's JSON shapes.

A row's fields are declared once, in its dataclass (`projections/`), and reach the
schema struct of the same field names through `shaped` (msgspec converts ids and times);
a presenter adds only what the row does not have by name (a URL, a status as of now,
nested parts). An aggregate is first turned into the row the projection would write
(`LinkRow.of`, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec

from application.members import OrganizationView
from domain.received_file import ReceivedFile
from domain.reminders import DEFAULT_SCHEDULE, ReminderSchedule, next_reminder, schedule_in_force
from domain.sent_file import SentFile
from domain.upload_link import UploadLink, item_state_of
from interfaces.http import schemas
from projections.customer_detail import FileRow, LinkRow, SentFileRow
from projections.retention import RetentionSchedule

S = TypeVar("S", bound=msgspec.Struct)


def shaped(shape: type[S], *rows: object, **values: Any) -> S:
    """The schema `shape` filled by field name from `rows` (dataclasses), then `values`
    (the later wins); what the shape does not name is left out."""
    fields: dict[str, Any] = {}
    for row in rows:
        fields.update(msgspec.to_builtins(row))
    fields.update(msgspec.to_builtins(values))
    return msgspec.convert(fields, shape)


@dataclass(frozen=True)
class ReminderSetting:
    """What a link's reminders depend on beyond the link: the organisation's time zone and
    schedule (and whether that is on)."""

    zone: ZoneInfo
    enabled: bool = True
    schedule: ReminderSchedule = DEFAULT_SCHEDULE

    @classmethod
    def of(cls, organization: OrganizationView) -> ReminderSetting:
        return cls(
            zone=ZoneInfo(organization.time_zone),
            enabled=organization.reminders_on,
            schedule=organization.reminder_schedule,
        )


def reminders_of(link: LinkRow, setting: ReminderSetting) -> schemas.LinkReminders:
    """The reminder state of a link: the schedule in force, in the organisation's zone."""
    own = ReminderSchedule.from_plain(link.own_schedule) if link.own_schedule else None
    schedule = schedule_in_force(own, setting.enabled, setting.schedule)
    shown = schedule or setting.schedule
    next_at = None
    now = datetime.now(UTC)
    if (
        schedule is not None
        and link.reminders_enabled
        and link.due_at is not None
        and link.due_set_at is not None
        and link.status_at(now) == "active"
    ):
        coming = next_reminder(
            schedule,
            link.due_at,
            link.due_set_at,
            link.last_reminder_slot,
            link.reminders_sent,
            now,
            setting.zone,
        )
        next_at = coming.at if coming else None
    return schemas.LinkReminders(
        enabled=link.reminders_enabled,
        schedule=schemas.ReminderScheduleShape(
            days_before=list(shown.days_before),
            every_days_after=shown.every_days_after,
            max_count=shown.max_count,
        ),
        sent_count=link.reminders_sent,
        next_at=next_at,
        own_schedule=own is not None,
    )


def link_from_row(row: LinkRow, base_url: str, setting: ReminderSetting) -> schemas.Link:
    return shaped(
        schemas.Link,
        row,
        url=f"{base_url}/u/{row.token}",
        status=row.status_at(datetime.now(UTC)),
        requested_items=[
            requested_item(i["id"], i["label"], i["received"], i.get("review"), i.get("hint"))
            for i in row.requested_items
        ],
        reminders=reminders_of(row, setting),
    )


def requested_item(
    item_id: str,
    label: str,
    received: int,
    review: dict[str, str] | None,
    hint: str | None = None,
) -> schemas.RequestedItem:
    state = item_state_of(received, review)
    return schemas.RequestedItem(
        id=item_id,
        label=label,
        received=state != "missing",
        state=state,
        question=review.get("question") if review and state == "query" else None,
        hint=hint,
    )


def link_from_aggregate(link: UploadLink, base_url: str, setting: ReminderSetting) -> schemas.Link:
    """The same shape from the aggregate itself, for answers that must not wait for rows."""
    return link_from_row(LinkRow.of(link), base_url, setting)


class LinkPresenter:
    """Links in the contract's shape for one request: the public base URL and the reminder
    setting of the caller's organisation (read once, when a link is first shown).

    A plain class on purpose: Litestar would try to validate a dataclass handed to
    handlers as a dependency.
    """

    def __init__(self, base_url: str, setting: Callable[[], ReminderSetting]) -> None:
        self.base_url = base_url
        self._read_setting = setting
        self._setting: ReminderSetting | None = None

    def setting(self) -> ReminderSetting:
        if self._setting is None:
            self._setting = self._read_setting()
        return self._setting

    def row(self, row: LinkRow) -> schemas.Link:
        return link_from_row(row, self.base_url, self.setting())

    def aggregate(self, link: UploadLink) -> schemas.Link:
        return link_from_aggregate(link, self.base_url, self.setting())


def file_from_row(row: FileRow, retention: RetentionSchedule | None = None) -> schemas.File:
    """The file; with its customer's `retention`, when the file will be deleted."""
    return shaped(
        schemas.File,
        row,
        review=schemas.Review(
            state=row.review_state,
            comment=row.review_comment,
            reviewer_id=str(row.reviewer_id) if row.reviewer_id else None,
            reviewed_at=row.reviewed_at,
        ),
        scan=schemas.FileScan(state=row.scan_state, signature=row.scan_signature),
        deletes_at=retention.deletes_at(row.link_id) if retention else None,
    )


def file_from_aggregate(
    received: ReceivedFile, retention: RetentionSchedule | None = None
) -> schemas.File:
    return file_from_row(FileRow.of(received), retention)


def sent_file_from_row(row: SentFileRow, base_url: str) -> schemas.SentFile:
    return shaped(schemas.SentFile, row, download_url=f"{base_url}/d/{row.token}")


def sent_file_from_aggregate(sent: SentFile, base_url: str) -> schemas.SentFile:
    """The same shape from the aggregate, when the read model has not shown it yet."""
    return sent_file_from_row(SentFileRow.of(sent), base_url)
