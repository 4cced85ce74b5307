"""Automatic reminders with a controllable clock: the default schedule (7 and 2 days before
the due date, then every 3 days, at most 5) inside the window (weekdays 8-18, Berlin), every
stop condition, exactly once across a second worker and a restart, and the mail's list of
what is missing."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from application.jobs.handlers import JobHandlers
from application.principal import Principal
from application.staging import StoredUpload
from domain.received_file import ReviewState
from domain.upload_link import LinkNotActive, UploadLink
from domain.user import User
from domain.values import CustomerStatus
from infrastructure.bootstrap import Services
from tests.support.direct_jobs import Clock, RecordingMailer, job_handlers, signed_up_owner

BERLIN = ZoneInfo("Europe/Berlin")
ITEMS = ["Lohnsteuerbescheinigung 2025", "Spendenquittungen", "Kontoauszüge – Dezember"]


def next_wednesday_noon(days_ahead: int) -> datetime:
    """A Wednesday 12:00 in Berlin at least `days_ahead` days from now."""
    day = datetime.now(BERLIN) + timedelta(days=days_ahead)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return day.replace(hour=12, minute=0, second=0, microsecond=0)


@dataclass
class Office:
    services: Services
    owner: Principal
    clock: Clock
    mailer: RecordingMailer
    jobs: JobHandlers

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return self.services.app

    def handlers(self) -> JobHandlers:
        """Another worker (or this one after a restart): its own handlers, same stores."""
        return job_handlers(self.services, self.mailer, self.clock)

    def link(
        self,
        due_at: datetime,
        *,
        email: str | None = "clara.mueller@example.com",
        send_to: str | None = None,
        sent: bool = True,
        reminders: bool = True,
    ) -> UUID:
        customer = self.app.customers.create(self.owner, "Clara Müller", email, "Müller & Söhne")
        link = self.app.links.create(
            self.owner,
            customer.id,
            title="Einkommensteuer 2025",
            requested_items_value=ITEMS,
            expires_at=due_at + timedelta(days=40),
            due_at=due_at,
            reminders_enabled=reminders,
        )
        if sent:
            self.app.links.request_send(self.owner, link.id, send_to, None)
            version = int(self.app.load(link.id, UploadLink).version)
            assert self.jobs.link_mails.send(link.id, version) == "sent"
        return link.id

    def at(self, moment: datetime) -> bool:
        """Set the clock to `moment`; run the schedule once; True if it recorded one."""
        catch_up_policy(self)
        self.clock.now = moment
        return self.jobs.reminders.remind_due() > 0

    def reminders(self, link_id: UUID) -> list[UploadLink.ReminderSent]:
        return [e for e in self.app.events.get(link_id) if isinstance(e, UploadLink.ReminderSent)]

    def upload(self, link_id: UUID, label: str) -> UUID:
        link = self.app.load(link_id, UploadLink)
        [item_id] = [i["id"] for i in link.requested_items if i["label"] == label]
        file_id = uuid4()
        upload = StoredUpload(
            file_id, f"incoming/{file_id}", "Müller.pdf", 1234, "0" * 64, "application/pdf"
        )
        self.app.uploads.record(
            link_id, [upload], item_id=item_id, uploader_name="Clara", uploader_email=None
        )
        return file_id


@pytest.fixture
def office(make_services: Callable[..., Services]) -> Iterator[Office]:
    services = make_services()
    owner, _ = signed_up_owner(services, "Kanzlei Erinnerung")
    mailer, clock = RecordingMailer(), Clock()
    yield Office(services, owner, clock, mailer, job_handlers(services, mailer, clock))


def catch_up_policy(office: Office) -> None:
    [policy] = [p for p in office.services.policies if p.name == "jobs"]
    office.services.follower(policy).catch_up()


def test_the_default_schedule_sends_on_its_days_inside_the_window_only(office: Office) -> None:
    due = next_wednesday_noon(15)
    catch_up_policy(office)
    link_id = office.link(due)
    catch_up_policy(office)

    # 7 days before (a Wednesday, 12:00): not a minute early, then once.
    assert not office.at(due - timedelta(days=7, minutes=1))
    assert office.at(due - timedelta(days=7))
    assert not office.at(due - timedelta(days=7) + timedelta(hours=1))
    # 2 days before (Monday 12:00).
    assert not office.at(due - timedelta(days=2, minutes=1))
    assert office.at(due - timedelta(days=2))
    # The due date itself sends nothing.
    assert not office.at(due + timedelta(hours=1))
    # 3 days after falls on a Saturday: nothing on the weekend, nor Monday before 8 ...
    saturday = due + timedelta(days=3)
    assert saturday.weekday() == 5
    assert not office.at(saturday)
    assert not office.at(saturday + timedelta(days=1, hours=6))
    monday_morning = (saturday + timedelta(days=2)).replace(hour=7, minute=59)
    assert not office.at(monday_morning)
    # ... but at 8 on Monday. After 18 o'clock on a weekday: nothing either.
    assert office.at(monday_morning + timedelta(minutes=1))
    tuesday_evening = (due + timedelta(days=6)).replace(hour=18, minute=30)
    assert not office.at(tuesday_evening)
    assert office.at((due + timedelta(days=7)).replace(hour=8))
    # The fifth and last (9 days after: Friday 12:00), then never again.
    assert office.at(due + timedelta(days=9))
    assert not office.at(due + timedelta(days=12))
    assert not office.at(due + timedelta(days=30))

    sent = office.reminders(link_id)
    assert [e.slot for e in sent] == [0, 1, 2, 3, 4]


def test_the_mail_lists_exactly_what_is_missing(office: Office) -> None:
    due = next_wednesday_noon(15)
    link_id = office.link(due)
    office.upload(link_id, "Spendenquittungen")
    queried = office.upload(link_id, "Kontoauszüge – Dezember")
    # A follow-up question keeps its document open: it is named again.
    office.app.files.review(office.owner, queried, ReviewState.QUERY, "Bitte alle Seiten.")
    assert office.at(due - timedelta(days=7))
    [reminder] = office.reminders(link_id)
    assert reminder.missing == ["Lohnsteuerbescheinigung 2025", "Kontoauszüge – Dezember"]

    office.mailer.sent.clear()
    assert office.jobs.reminders.send(link_id, reminder.originator_version) == "sent"
    [mail] = office.mailer.to("clara.mueller@example.com")
    assert mail["Auto-Submitted"] == "auto-generated"
    # No reply address set: answers reach the member who sent the link, and the mail says so.
    assert mail["Reply-To"] == office.app.load(office.owner.user_id, User).email
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Bei Fragen antworten Sie einfach auf diese E-Mail." in text
    assert "- Lohnsteuerbescheinigung 2025\n- Kontoauszüge – Dezember" in text
    assert "Spendenquittungen" not in text
    assert due.strftime("%d.%m.%Y") in text
    assert "/u/" in text


def test_each_stop_condition_stops_the_reminders(office: Office) -> None:
    due = next_wednesday_noon(15)
    first = due - timedelta(days=7)
    app, owner = office.app, office.owner

    everything = office.link(due)
    for label in ITEMS:
        office.upload(everything, label)
    revoked = office.link(due)
    app.links.revoke(owner, revoked)
    complete = office.link(due)
    app.customers.set_status(
        owner, app.load(complete, UploadLink).customer_id, CustomerStatus.COMPLETE
    )
    deleted = office.link(due)
    app.customers.delete(owner, app.load(deleted, UploadLink).customer_id)
    switched_off = office.link(due, reminders=False)
    stopped_later = office.link(due)
    app.links.switch_reminders(owner, stopped_later, False)
    never_mailed = office.link(due, sent=False)
    no_address = office.link(due, email=None, send_to="clara@example.org")
    reminded = office.link(due)

    assert office.at(first)
    for link_id in (
        everything,
        revoked,
        complete,
        switched_off,
        stopped_later,
        never_mailed,
        no_address,
    ):
        assert office.reminders(link_id) == [], link_id
    assert [e.slot for e in office.reminders(reminded)] == [0]
    assert not [e for e in app.events.get(deleted) if isinstance(e, UploadLink.ReminderSent)]
    # Expired: past the expiry nothing more goes out, whatever the schedule says.
    link = app.load(reminded, UploadLink)
    assert not office.at(link.expires_at + timedelta(hours=1))
    assert [e.slot for e in office.reminders(reminded)] == [0]


def test_a_second_worker_and_a_restart_never_double_a_reminder(office: Office) -> None:
    due = next_wednesday_noon(15)
    link_id = office.link(due)
    catch_up_policy(office)
    office.clock.now = due - timedelta(days=7)
    workers = [office.handlers() for _ in range(4)]
    barrier = threading.Barrier(len(workers))
    results: list[int] = []

    def run(handlers: JobHandlers) -> None:
        barrier.wait()
        results.append(handlers.reminders.remind_due())

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 1]
    [reminder] = office.reminders(link_id)

    # The mail job delivered twice at once, then once more after a restart: one mail.
    office.mailer.sent.clear()
    version = reminder.originator_version
    outcomes: list[str | None] = []
    senders = [
        threading.Thread(target=lambda w=w: outcomes.append(w.reminders.send(link_id, version)))
        for w in workers[:2]
    ]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    restarted = office.handlers()
    assert restarted.reminders.send(link_id, version) == "sent"
    assert len(office.mailer.to("clara.mueller@example.com")) == 1
    assert restarted.reminders.remind_due() == 0


def test_the_policy_queues_one_mail_job_per_reminder(office: Office) -> None:
    catch_up_policy(office)
    due = next_wednesday_noon(15)
    link_id = office.link(due)
    assert office.at(due - timedelta(days=7))
    catch_up_policy(office)
    counts = {c.kind: c.queued + c.delayed for c in office.services.job_status()}
    assert counts["send_reminder"] == 1
    assert link_id


def test_by_hand_needs_a_mailed_link_and_something_missing(office: Office) -> None:
    due = next_wednesday_noon(15)
    app, owner = office.app, office.owner
    never_mailed = office.link(due, sent=False)
    with pytest.raises(LinkNotActive):
        app.links.remind_by_hand(owner, never_mailed)
    link_id = office.link(due)
    app.links.remind_by_hand(owner, link_id)
    [reminder] = office.reminders(link_id)
    assert reminder.slot is None and reminder.actor_id == owner.user_id
    assert reminder.missing == ITEMS
    # A reminder by hand does not use up a slot of the schedule.
    assert office.at(due - timedelta(days=7))
    assert [e.slot for e in office.reminders(link_id)] == [None, 0]


def test_links_follow_the_organisations_schedule_unless_they_have_their_own(
    office: Office,
) -> None:
    due = next_wednesday_noon(15)
    app, owner = office.app, office.owner
    app.organization.change(
        owner,
        {"reminder_schedule": {"days_before": [5], "every_days_after": 0, "max_count": 1}},
    )
    follows = office.link(due)
    own = office.link(due)
    app.links.change(
        owner, own, schedule={"days_before": [1], "every_days_after": 0, "max_count": 1}
    )
    # The default's 7 days before is no slot of either schedule.
    assert not office.at(due - timedelta(days=7))
    assert office.at(due - timedelta(days=5))
    assert [e.slot for e in office.reminders(follows)] == [0]
    assert office.reminders(own) == []
    assert office.at(due - timedelta(days=1))
    assert [e.slot for e in office.reminders(own)] == [0]
    assert [e.slot for e in office.reminders(follows)] == [0]
    assert not office.at(due + timedelta(days=3))


def test_the_organisation_switches_reminders_off_links_with_their_own_still_remind(
    office: Office,
) -> None:
    due = next_wednesday_noon(15)
    app, owner = office.app, office.owner
    follows = office.link(due)
    own = office.link(due)
    app.links.change(owner, own, schedule={"days_before": [7]})
    app.organization.change(owner, {"reminder_schedule": {"enabled": False}})
    assert office.at(due - timedelta(days=7))
    assert office.reminders(follows) == []
    assert [e.slot for e in office.reminders(own)] == [0]
    # Switched on again, the organisation's schedule applies from its next slot.
    app.organization.change(owner, {"reminder_schedule": {"enabled": True}})
    assert office.at(due - timedelta(days=2))
    assert [e.slot for e in office.reminders(follows)] == [1]


def test_the_window_is_the_organisations_time_zone(office: Office) -> None:
    due = next_wednesday_noon(15)
    app, owner = office.app, office.owner
    app.organization.change(owner, {"time_zone": "America/New_York"})
    link_id = office.link(due)
    # Wednesday 12:00 in Berlin is 06:00 in New York: the window opens at 08:00 there.
    assert not office.at(due - timedelta(days=7))
    new_york = ZoneInfo("America/New_York")
    opens = (due - timedelta(days=7)).astimezone(new_york).replace(hour=8, minute=0)
    assert not office.at(opens - timedelta(minutes=1))
    assert office.at(opens)
    assert [e.slot for e in office.reminders(link_id)] == [0]


def test_a_new_due_date_moves_the_reminders(office: Office) -> None:
    due = next_wednesday_noon(15)
    app, owner = office.app, office.owner
    link_id = office.link(due)
    later = due + timedelta(days=7)
    app.links.change(owner, link_id, due_at=later)
    # The old date's first slot sends nothing; the new date's does.
    assert not office.at(due - timedelta(days=7))
    assert office.at(later - timedelta(days=7))
    [reminder] = office.reminders(link_id)
    assert reminder.slot == 0
