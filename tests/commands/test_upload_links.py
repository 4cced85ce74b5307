"""Commands on upload links: create, revoke, unlock, request sending; the client's side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.docintake import DocIntake
from application.errors import Forbidden, NotFound
from application.principal import Principal
from application.upload_links import PasswordInvalid, PasswordRequired
from domain.errors import InvalidValue
from domain.upload_link import (
    PASSWORD_FAILURES_BEFORE_LOCK,
    LinkAlreadyActive,
    LinkExpired,
    LinkLocked,
    LinkNotExtendable,
    LinkRevoked,
    UploadLink,
)
from tests.commands.conftest import member


def test_create_a_link_with_every_option(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    recorded = app.links.create(
        owner,
        customer_id,
        title="Belege 2024 – Müller",
        message="Bitte bis Freitag 🙏",
        expires_at=datetime.now(UTC) + timedelta(days=3),
        max_file_size=1_000_000,
        max_files=3,
        allowed_types_value=["application/pdf"],
        password="geheim!",
        requested_items_value=["Lohnsteuerbescheinigung", "Kontoauszug"],
    )
    link = app.links.get(owner, recorded.id)
    assert (link.title, link.max_files, link.max_file_size) == (
        "Belege 2024 – Müller",
        3,
        1_000_000,
    )
    assert link.password_protected and len(link.requested_items) == 2
    assert app.links.url(link).startswith(app.base_url + "/u/")


def test_create_names_every_bad_option(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    with pytest.raises(InvalidValue) as refused:
        app.links.create(
            owner,
            customer_id,
            expires_at=datetime.now(UTC) - timedelta(days=1),
            max_file_size=0,
            max_files=0,
            password="kurz",
        )
    assert {"expires_at", "max_file_size", "max_files", "password"} <= set(refused.value.fields)


def test_revoke_stops_the_public_link(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    link = app.load(app.links.create(owner, customer_id).id, UploadLink)
    assert app.links.public(link.token).id == link.id
    app.links.revoke(owner, link.id)
    with pytest.raises(LinkRevoked):
        app.links.public(link.token)
    with pytest.raises(NotFound):
        app.links.public("unbekannt")


def test_wrong_passwords_lock_the_link_until_unlocked(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    link = app.load(app.links.create(owner, customer_id, password="richtig!").id, UploadLink)
    with pytest.raises(PasswordRequired):
        app.links.check_password(link, None, "192.0.2.1")
    for attempt in range(PASSWORD_FAILURES_BEFORE_LOCK):
        with pytest.raises(PasswordInvalid):
            app.links.check_password(link, "falsch!", f"192.0.2.{attempt + 10}")
    with pytest.raises(LinkLocked):
        app.links.public(link.token)
    app.links.unlock(owner, link.id)
    app.links.check_password(app.links.public(link.token), "richtig!", "192.0.2.99")


def test_request_send_needs_an_address(app: DocIntake, owner: Principal) -> None:
    without_email = app.customers.create(owner, "Anna").id
    link_id = app.links.create(owner, without_email).id
    with pytest.raises(InvalidValue) as refused:
        app.links.request_send(owner, link_id, None, "Hallo")
    assert "to" in refused.value.fields
    recorded = app.links.request_send(owner, link_id, "anna@example.de", "Grüße")
    assert recorded.id == link_id and recorded.position == app.head()


def test_links_of_another_organisation_are_not_found(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    link_id = app.links.create(owner, customer_id).id
    with pytest.raises(NotFound):
        app.links.create(stranger, customer_id)
    for attempt in (
        lambda: app.links.get(stranger, link_id),
        lambda: app.links.revoke(stranger, link_id),
        lambda: app.links.unlock(stranger, link_id),
        lambda: app.links.request_send(stranger, link_id, "x@example.com", None),
    ):
        with pytest.raises(NotFound):
            attempt()


def test_a_viewer_may_not_manage_links(app: DocIntake, owner: Principal) -> None:
    viewer = member(app, owner, "viewer", "leser@example.com")
    customer_id = app.customers.create(owner, "Anna").id
    with pytest.raises(Forbidden):
        app.links.create(viewer, customer_id)


def test_due_date_and_reminders(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    link_id = app.links.create(owner, customer_id).id
    due = datetime.now(UTC) + timedelta(days=5)
    app.links.set_due(owner, link_id, due)
    assert app.links.get(owner, link_id).due_at == due
    with pytest.raises(InvalidValue) as refused:
        app.links.set_due(owner, link_id, datetime.now(UTC) - timedelta(days=1))
    assert "due_at" in refused.value.fields
    app.links.switch_reminders(owner, link_id, False)
    assert app.links.get(owner, link_id).reminders_enabled is False


def test_extend_moves_an_active_links_expiry_later(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Jürgen Müller").id
    first = datetime.now(UTC) + timedelta(days=3)
    link_id = app.links.create(owner, customer_id, expires_at=first).id
    later = datetime.now(UTC) + timedelta(days=40)
    app.links.extend(owner, link_id, later)
    assert app.links.get(owner, link_id).expires_at == later
    for bad, code in (
        (None, "required"),
        (later - timedelta(days=1), "not_later"),
        (datetime.now(UTC) - timedelta(hours=1), "not_in_future"),
        (datetime.now(UTC) + timedelta(days=400), "beyond_a_year"),
    ):
        with pytest.raises(InvalidValue) as refused:
            app.links.extend(owner, link_id, bad)
        assert refused.value.problems["expires_at"].code == code
    app.links.revoke(owner, link_id)
    with pytest.raises(LinkNotExtendable):
        app.links.extend(owner, link_id, later + timedelta(days=1))
    events = [type(e).__name__ for e in app.events.get(link_id)]
    assert events.count("UploadLinkExtended") == 1


def test_reactivate_opens_a_revoked_or_expired_link_again(
    app: DocIntake, owner: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer_id = app.customers.create(owner, "Anna Straße").id
    revoked = app.load(app.links.create(owner, customer_id).id, UploadLink)
    with pytest.raises(LinkAlreadyActive):
        app.links.reactivate(owner, revoked.id, datetime.now(UTC) + timedelta(days=9))
    app.links.revoke(owner, revoked.id)
    until = datetime.now(UTC) + timedelta(days=9)
    app.links.reactivate(owner, revoked.id, until)
    again = app.links.public(revoked.token)
    assert (again.status(datetime.now(UTC)), again.expires_at) == ("active", until)

    # Expired by time, never marked by the job: the expiry is recorded, then reactivated.
    soon = app.load(
        app.links.create(owner, customer_id, expires_at=datetime.now(UTC) + timedelta(hours=1)).id,
        UploadLink,
    )
    two_hours_later = datetime.now(UTC) + timedelta(hours=2)
    monkeypatch.setattr(app, "now", lambda: two_hours_later)
    with pytest.raises(LinkExpired):
        app.links.public(soon.token)
    with pytest.raises(InvalidValue):
        app.links.reactivate(owner, soon.id, two_hours_later - timedelta(minutes=1))
    app.links.reactivate(owner, soon.id, two_hours_later + timedelta(days=2))
    assert app.links.public(soon.token).id == soon.id
    events = [type(e).__name__ for e in app.events.get(soon.id)]
    assert events[-2:] == ["UploadLinkExpired", "UploadLinkReactivated"]


def test_another_organisation_can_neither_extend_nor_reactivate(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    link_id = app.links.create(owner, customer_id).id
    later = datetime.now(UTC) + timedelta(days=60)
    with pytest.raises(NotFound):
        app.links.extend(stranger, link_id, later)
    app.links.revoke(owner, link_id)
    with pytest.raises(NotFound):
        app.links.reactivate(stranger, link_id, later)
    viewer = member(app, owner, "viewer", "leser@example.com")
    with pytest.raises(Forbidden):
        app.links.reactivate(viewer, link_id, later)
    assert app.links.get(owner, link_id).revoked
