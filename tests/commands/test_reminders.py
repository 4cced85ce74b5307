"""A link's due date, reminder switch and own schedule (`links.change`), and a reminder sent
by hand (`links.remind_by_hand`): only for an active link once mailed, with something
still missing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from application.docintake import DocIntake
from application.errors import Forbidden, NotFound
from application.jobs.context import JobContext
from application.jobs.link_mail_job import LinkMailJob
from application.principal import Principal
from domain.errors import InvalidValue
from domain.reminders import ReminderSchedule
from domain.upload_link import LinkNotActive, UploadLink
from tests.commands.conftest import member
from tests.commands.test_link_jobs import MemoryJobLocks, MemoryJobState, kinds
from tests.commands.test_uploads import PDF

ITEMS = ["Lohnsteuerbescheinigung", "Kontoauszug – Dezember"]


def new_link(app: DocIntake, owner: Principal, email: str | None = "clara@example.com") -> UUID:
    customer_id = app.customers.create(owner, "Clara Müller", email).id
    return app.links.create(owner, customer_id, requested_items_value=ITEMS).id


def mailed(app: DocIntake, owner: Principal, link_id: UUID, to: str | None = None) -> None:
    """Staff send the link and the job mails it (`UploadLinkSent`)."""
    app.links.request_send(owner, link_id, to, None)
    job = LinkMailJob(JobContext(app, MemoryJobState(), app.mailer, MemoryJobLocks()))  # type: ignore[arg-type]
    assert job.send(link_id, app.load(link_id, UploadLink).version) == "sent"


def test_change_the_due_date_the_switch_and_the_links_own_schedule(
    app: DocIntake, owner: Principal
) -> None:
    link_id = new_link(app, owner)
    due = datetime.now(UTC) + timedelta(days=10)
    own = {"days_before": [3], "every_days_after": 0, "max_count": 1}
    recorded = app.links.change(owner, link_id, due_at=due, reminders_enabled=False, schedule=own)
    assert recorded.position == app.head()
    link = app.load(link_id, UploadLink)
    assert (link.due_at, link.reminders_enabled) == (due, False)
    assert link.reminder_schedule == ReminderSchedule((3,), 0, 1)
    # What is not given stays; None clears the due date and gives the schedule back.
    app.links.change(owner, link_id, reminders_enabled=True)
    app.links.change(owner, link_id, due_at=None, schedule=None)
    link = app.load(link_id, UploadLink)
    assert (link.due_at, link.reminders_enabled, link.reminder_schedule) == (None, True, None)
    # Nothing to change records nothing.
    position = app.head()
    assert app.links.change(owner, link_id).position == position == app.head()


def test_every_bad_value_of_a_change_is_named_and_nothing_recorded(
    app: DocIntake, owner: Principal
) -> None:
    link_id = new_link(app, owner)
    position = app.head()
    with pytest.raises(InvalidValue) as refused:
        app.links.change(
            owner,
            link_id,
            due_at=datetime.now(UTC) - timedelta(days=1),
            reminders_enabled="ja",
            schedule={"days_before": [0, 400]},
        )
    assert {"due_at", "reminders.enabled", "reminders.schedule.days_before"} <= set(
        refused.value.fields
    )
    with pytest.raises(InvalidValue) as unknown:
        app.links.change(owner, link_id, schedule={"wochentage": ["Mo"]})
    assert set(unknown.value.fields) == {"reminders.schedule.wochentage"}
    assert app.head() == position


def test_a_reminder_by_hand_names_what_is_missing(app: DocIntake, owner: Principal) -> None:
    link_id = new_link(app, owner)
    mailed(app, owner, link_id)
    link = app.load(link_id, UploadLink)
    app.uploads.receive(
        link, "Lohnsteuerbescheinigung.pdf", [PDF], item_id=link.requested_items[0]["id"]
    )
    recorded = app.links.remind_by_hand(owner, link_id)
    assert recorded.position == app.head()
    (reminder,) = [e for e in app.events.get(link_id) if isinstance(e, UploadLink.ReminderSent)]
    assert (reminder.to, reminder.slot, reminder.actor_id) == (
        "clara@example.com",
        None,
        owner.user_id,
    )
    assert reminder.missing == ["Kontoauszug – Dezember"]


def test_no_reminder_for_a_link_never_mailed_revoked_or_of_a_customer_without_address(
    app: DocIntake, owner: Principal
) -> None:
    never = new_link(app, owner)
    revoked = new_link(app, owner)
    mailed(app, owner, revoked)
    app.links.revoke(owner, revoked)
    without = new_link(app, owner, email=None)
    mailed(app, owner, without, to="clara.privat@example.com")
    position = app.head()
    for link_id in (never, revoked, without):
        with pytest.raises(LinkNotActive):
            app.links.remind_by_hand(owner, link_id)
    assert app.head() == position
    assert "ReminderSent" not in kinds(app, app.load(revoked, UploadLink))


def test_viewers_and_other_organisations_change_nothing(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    link_id = new_link(app, owner)
    mailed(app, owner, link_id)
    viewer = member(app, owner, "viewer", "leser@example.com")
    position = app.head()
    for principal, refusal in ((viewer, Forbidden), (stranger, NotFound)):
        for attempt in (
            lambda p=principal: app.links.change(p, link_id, reminders_enabled=False),
            lambda p=principal: app.links.remind_by_hand(p, link_id),
        ):
            with pytest.raises(refusal):
                attempt()
    assert app.head() == position


def test_the_organisation_sets_its_schedule_in_parts_and_switches_it_off(
    app: DocIntake, owner: Principal
) -> None:
    changed = app.organization.change(
        owner, {"reminder_schedule": {"days_before": [10, 3], "max_count": 4}}
    )
    assert changed.organization.reminders_on is True
    assert changed.organization.reminder_schedule == ReminderSchedule((10, 3), 3, 4)
    app.organization.change(owner, {"reminder_schedule": {"enabled": False}})
    view = app.organization.get(owner)
    assert view.reminders_on is False
    assert view.reminder_schedule == ReminderSchedule((10, 3), 3, 4)
    # The same again records nothing.
    position = app.head()
    app.organization.change(owner, {"reminder_schedule": {"enabled": False}})
    assert app.head() == position


def test_every_bad_part_of_the_organisations_schedule_is_named(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    with pytest.raises(InvalidValue) as refused:
        app.organization.change(
            owner,
            {
                "reminder_schedule": {
                    "days_before": [7, 7],
                    "every_days_after": -1,
                    "max_count": 21,
                    "enabled": True,
                }
            },
        )
    assert sorted(refused.value.fields) == [
        "reminder_schedule.days_before",
        "reminder_schedule.every_days_after",
        "reminder_schedule.max_count",
    ]
    for value, field in (
        ({"enabled": "ja"}, "reminder_schedule.enabled"),
        ({"weekly": True}, "reminder_schedule.weekly"),
        ("7, 2", "reminder_schedule"),
    ):
        with pytest.raises(InvalidValue) as bad:
            app.organization.change(owner, {"reminder_schedule": value})
        assert list(bad.value.fields) == [field]
    assert app.organization.get(owner).reminder_schedule == ReminderSchedule()
    # Another organisation's setting is its own; a viewer changes nothing.
    app.organization.change(stranger, {"reminder_schedule": {"enabled": False}})
    assert app.organization.get(owner).reminders_on is True
    viewer = member(app, owner, "viewer", "viewer@example.com")
    with pytest.raises(Forbidden):
        app.organization.change(viewer, {"reminder_schedule": {"enabled": False}})
    assert app.organization.get(owner).reminders_on is True
