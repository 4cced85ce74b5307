"""Commands on customers: create, change details, set status, add a note, delete."""

from __future__ import annotations

from uuid import uuid4

import pytest

from application.customers import CustomerRecorded
from application.docintake import DocIntake
from application.errors import Forbidden, NotFound
from application.principal import Principal
from domain.customer import Customer
from domain.errors import InvalidValue, NoteNotFound, NoteNotYours, PlanLimitReached
from domain.organization import Organization
from domain.values import CustomerStatus
from tests.commands.conftest import member, sign_up


def test_create_records_the_customer_and_takes_a_plan_slot(
    app: DocIntake, owner: Principal
) -> None:
    recorded = app.customers.create(owner, "Anna Müller", "anna@example.de", "Straße GmbH")
    assert isinstance(recorded, CustomerRecorded)
    assert recorded.position == app.head()
    customer = app.load(recorded.id, Customer)
    assert (customer.name, customer.email, customer.company) == (
        "Anna Müller",
        "anna@example.de",
        "Straße GmbH",
    )
    assert customer.status == CustomerStatus.OPEN
    assert [type(e).__name__ for e in recorded.events] == ["CustomerCreated"]
    assert app.load(owner.organization_id, Organization).customer_count == 1


def test_create_names_the_bad_field(app: DocIntake, owner: Principal) -> None:
    for name, email, field in (("", None, "name"), ("Anna", "kein-at-zeichen", "email")):
        with pytest.raises(InvalidValue) as refused:
            app.customers.create(owner, name, email)
        assert field in refused.value.fields


def test_the_plan_caps_customers(app: DocIntake) -> None:
    solo = sign_up(app, "Einzelkanzlei", "solo@example.com", plan="solo")
    for number in range(10):
        app.customers.create(solo, f"Kunde {number} 😀")
    with pytest.raises(PlanLimitReached):
        app.customers.create(solo, "Einer zu viel")


def test_change_details_and_clear_a_field(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Anna", "anna@example.de", "Firma").id
    recorded = app.customers.change_details(
        owner, customer_id, {"name": "Anna Österreich", "company": None}
    )
    assert recorded.customer.name == "Anna Österreich"
    assert recorded.customer.company is None
    assert recorded.position > 0


def test_set_status_by_hand(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    app.customers.set_status(owner, customer_id, CustomerStatus.COMPLETE)
    assert app.load(customer_id, Customer).status == CustomerStatus.COMPLETE
    # The same status again records nothing; a deleted customer's status is not set.
    position = app.head()
    app.customers.set_status(owner, customer_id, CustomerStatus.COMPLETE)
    assert app.head() == position
    app.customers.delete(owner, customer_id)
    with pytest.raises(NotFound):
        app.customers.set_status(owner, customer_id, CustomerStatus.OPEN)


def test_add_note_answers_the_note_id(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    recorded = app.customers.add_note(owner, customer_id, "Rückruf – Montag\nBitte 📞")
    assert recorded.id != customer_id
    assert app.load(customer_id, Customer).note_count == 1
    with pytest.raises(InvalidValue):
        app.customers.add_note(owner, customer_id, "")


def test_delete_gives_the_slot_back_and_hides_the_customer(
    app: DocIntake, owner: Principal
) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    app.customers.delete(owner, customer_id)
    assert app.load(owner.organization_id, Organization).customer_count == 0
    with pytest.raises(NotFound):
        app.customer_of(owner, customer_id)
    with pytest.raises(NotFound):
        app.customers.delete(owner, customer_id)


def test_another_organisation_sees_and_changes_nothing(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    for attempt in (
        lambda: app.customers.change_details(stranger, customer_id, {"name": "X"}),
        lambda: app.customers.set_status(stranger, customer_id, CustomerStatus.COMPLETE),
        lambda: app.customers.add_note(stranger, customer_id, "fremd"),
        lambda: app.customers.delete(stranger, customer_id),
    ):
        with pytest.raises(NotFound):
            attempt()
    with pytest.raises(NotFound):
        app.customers.delete(owner, uuid4())
    assert app.load(customer_id, Customer).name == "Anna"


def test_a_viewer_may_not_change_customers(app: DocIntake, owner: Principal) -> None:
    viewer = member(app, owner, "viewer", "leser@example.com")
    customer_id = app.customers.create(owner, "Anna").id
    with pytest.raises(Forbidden):
        app.customers.create(viewer, "Bernd")
    with pytest.raises(Forbidden):
        app.customers.delete(viewer, customer_id)
    for attempt in (
        lambda: app.customers.change_details(viewer, customer_id, {"name": "Übernommen"}),
        lambda: app.customers.set_status(viewer, customer_id, CustomerStatus.COMPLETE),
        lambda: app.customers.add_note(viewer, customer_id, "heimlich"),
    ):
        with pytest.raises(Forbidden):
            attempt()
    customer = app.load(customer_id, Customer)
    assert (customer.name, customer.status, customer.note_count) == ("Anna", "open", 0)


def test_notes_are_changed_by_their_author_or_an_admin_only(
    app: DocIntake, owner: Principal
) -> None:
    writer = member(app, owner, "member", "schreiber@example.de")
    colleague = member(app, owner, "member", "kollege@example.de")
    admin = member(app, owner, "admin", "admin@example.de")
    customer = app.customers.create(owner, "Anna Müller").id
    note = app.customers.add_note(writer, customer, "Ruft Montag an").id

    with pytest.raises(NoteNotYours):
        app.customers.edit_note(colleague, customer, note, "Übernommen")
    app.customers.edit_note(writer, customer, note, "Ruft Dienstag an")
    app.customers.edit_note(admin, customer, note, "Vom Admin")
    with pytest.raises(NoteNotYours):
        app.customers.delete_note(colleague, customer, note)
    app.customers.delete_note(owner, customer, note)
    with pytest.raises(NoteNotFound):
        app.customers.edit_note(writer, customer, note, "Zu spät")
    assert app.load(customer, Customer).note_count == 0


def test_a_snapshot_without_note_authors_reads_them_from_the_events(
    app: DocIntake, owner: Principal
) -> None:
    """A customer snapshotted before the aggregate kept its note authors (version 1)."""
    from eventsourcing.domain import Snapshot

    writer = member(app, owner, "member", "schreiber@example.de")
    colleague = member(app, owner, "member", "kollege@example.de")
    customer = app.customers.create(owner, "Anna Müller").id
    kept = app.customers.add_note(writer, customer, "Bleibt").id
    gone = app.customers.add_note(writer, customer, "Geht").id
    app.customers.delete_note(writer, customer, gone)
    old = Snapshot.take(app.load(customer, Customer))
    del old.state["note_authors"]
    old.state.pop("class_version", None)
    assert app.snapshots is not None
    app.snapshots.put([old])
    assert app.load(customer, Customer).note_authors is None

    with pytest.raises(NoteNotYours):
        app.customers.edit_note(colleague, customer, kept, "Fremd")
    with pytest.raises(NoteNotFound):
        app.customers.edit_note(writer, customer, gone, "Weg")
    edited = app.customers.edit_note(writer, customer, kept, "Geändert")
    assert [type(e).__name__ for e in edited.events] == ["NoteEdited"]
    # Until the next snapshot, each note command reads them again from that old one.
    assert app.load(customer, Customer).note_authors is None
