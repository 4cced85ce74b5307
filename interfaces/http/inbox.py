"""The signed-in member's inbox: notices and the unread count; marking them read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import UNSET, UnsetType

from application.inbox import InboxCommands
from application.principal import Principal
from interfaces.http.consistency import Reads
from interfaces.http.presenters import shaped
from projections.inbox import InboxProjection, Notice

#: Notices marked read by one request at most.
READ_MAX = 500


class InboxNotice(msgspec.Struct):
    id: str
    # upload | answer | link_send_failed | reminder_sent | file_infected
    kind: str
    at: datetime
    customer_id: str
    customer_name: str | None
    link_id: str | None
    link_title: str | None
    file_id: str | None
    filename: str | None
    read: bool


class Inbox(msgspec.Struct):
    items: list[InboxNotice]
    unread: int


class ReadRequest(msgspec.Struct, forbid_unknown_fields=True):
    # The notices to mark read; left out: every unread one.
    ids: Annotated[list[UUID], msgspec.Meta(max_length=READ_MAX)] | UnsetType = UNSET


class Unread(msgspec.Struct):
    unread: int


def _notice(notice: Notice) -> InboxNotice:
    return shaped(InboxNotice, notice)


class InboxController(Controller):
    path = "/api/v1/inbox"
    tags = ["inbox"]

    @get("/", sync_to_thread=True)
    def inbox(
        self,
        inbox: NamedDependency[InboxCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
    ) -> Response[Inbox]:
        """The caller's newest 50 notices (what clients uploaded, answers to queries, link
        mails that failed) and how many are unread; uploads and answers only while the
        caller's upload notices are on (`/api/v1/members/me/notifications`)."""
        notices = inbox.notices(principal)
        return reads.answer(
            Inbox(items=[_notice(n) for n in notices], unread=inbox.unread(principal))
        )

    @post("/read", status_code=200, sync_to_thread=True)
    def read(
        self,
        inbox: NamedDependency[InboxCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        data: JSONBody[ReadRequest],
    ) -> Response[Unread]:
        """Mark notices read (`ids`), or every unread one (no `ids`)."""
        ids = None if data.ids is UNSET else list(data.ids)
        reads.caught_up(inbox.read(principal, ids), InboxProjection.name)
        return reads.answer(Unread(unread=inbox.unread(principal)))
