"""Each member's inbox: the notices they see, how many are unread, marking them read.

The notices come from a read model; here a fake that answers from the notices the test
puts in. After each command the test does what the projection would: it takes the
reads the member's inbox recorded into the fake (`follow`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from application.docintake import DocIntake
from application.errors import NotFound
from application.principal import Principal
from domain.inbox import MemberInbox
from projections.inbox import Notice
from tests.commands.conftest import member
from tests.support.memory import MemoryInbox, memory_app


@pytest.fixture
def inbox() -> MemoryInbox:
    return MemoryInbox()


@pytest.fixture
def app(inbox: MemoryInbox) -> Iterator[DocIntake]:
    application = memory_app(inbox=inbox)
    yield application
    application.close()


def notice(
    inbox: MemoryInbox, organization_id: UUID, kind: str = "upload", at: datetime | None = None
) -> UUID:
    made = Notice(
        id=uuid4(),
        kind=kind,
        at=at or datetime.now(UTC),
        customer_id=uuid4(),
        customer_name="Jürgen Müller",
        link_id=uuid4(),
        link_title="Unterlagen Steuer 2024 🧾",
        file_id=uuid4(),
        filename="Kündigung – 2024.pdf",
        read=False,
    )
    inbox.kept.append((organization_id, made))
    return made.id


def recorded_reads(app: DocIntake, principal: Principal) -> list[list[UUID]]:
    """The notice ids of each `NoticesRead` the member's inbox recorded."""
    inbox_id = MemberInbox.id_for(principal.organization_id, principal.user_id)
    return [
        list(e.notice_ids)
        for e in app.events.get(inbox_id)
        if isinstance(e, MemberInbox.NoticesRead)
    ]


def follow(app: DocIntake, inbox: MemoryInbox, principal: Principal) -> None:
    for ids in recorded_reads(app, principal):
        inbox.read |= {(principal.user_id, notice_id) for notice_id in ids}


def test_mark_chosen_notices_read(app: DocIntake, owner: Principal, inbox: MemoryInbox) -> None:
    first, second, third = (notice(inbox, owner.organization_id) for _ in range(3))
    assert app.inbox.unread(owner) == 3
    assert {n.id for n in app.inbox.notices(owner)} == {first, second, third}
    position = app.inbox.read(owner, [first]).position
    assert position == app.head()
    assert recorded_reads(app, owner) == [[first]]
    follow(app, inbox, owner)
    assert app.inbox.unread(owner) == 2
    app.inbox.read(owner, None)
    assert recorded_reads(app, owner)[-1] == sorted([second, third])
    follow(app, inbox, owner)
    assert app.inbox.unread(owner) == 0


def test_ids_that_are_not_the_members_unread_notices_change_nothing(
    app: DocIntake, owner: Principal, stranger: Principal, inbox: MemoryInbox
) -> None:
    theirs = notice(inbox, stranger.organization_id)
    mine = notice(inbox, owner.organization_id)
    before = app.head()
    assert app.inbox.read(owner, [theirs, uuid4()]).position == before
    assert app.inbox.read(stranger, [mine]).position == before
    assert app.head() == before
    assert recorded_reads(app, owner) == recorded_reads(app, stranger) == []
    assert [n.id for n in app.inbox.notices(stranger)] == [theirs]


def test_a_member_sees_what_came_after_joining_and_not_what_they_switched_off(
    app: DocIntake, owner: Principal, inbox: MemoryInbox
) -> None:
    notice(inbox, owner.organization_id, at=datetime.now(UTC) - timedelta(days=1))
    colleague = member(app, owner, "viewer", "leser@example.com")
    upload = notice(inbox, owner.organization_id, kind="upload")
    failed = notice(inbox, owner.organization_id, kind="link_send_failed")
    assert {n.id for n in app.inbox.notices(colleague)} == {upload, failed}
    app.notifications.change(colleague, False)
    assert [n.id for n in app.inbox.notices(colleague)] == [failed]
    app.inbox.read(colleague, None)
    assert recorded_reads(app, colleague) == [[failed]]
    # The owner's inbox is the owner's own (the day-old notice predates the owner too).
    assert app.inbox.unread(owner) == 2


def test_a_removed_member_has_no_inbox(
    app: DocIntake, owner: Principal, inbox: MemoryInbox
) -> None:
    colleague = member(app, owner, "member", "weg@example.com")
    chosen = notice(inbox, owner.organization_id)
    app.members.remove(owner, colleague.user_id)
    before = app.head()
    for attempt in (
        lambda: app.inbox.read(colleague, [chosen]),
        lambda: app.inbox.unread(colleague),
        lambda: app.inbox.notices(colleague),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert app.head() == before
