"""Received files (review, read, delete) and files sent to the client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from application.docintake import DocIntake
from application.errors import Forbidden, NotFound
from application.principal import Principal
from application.staging import StoredUpload
from domain.errors import InvalidValue
from domain.received_file import ReceivedFile, ReviewState
from domain.sent_file import SentFile
from domain.upload_link import LinkExpired, UploadLink
from tests.commands.conftest import member
from tests.commands.test_uploads import PDF, new_link, objects, received_files


def received_file(app: DocIntake, owner: Principal) -> ReceivedFile:
    link = new_link(app, owner)
    app.uploads.receive(link, "Müller.pdf", [PDF])
    (received,) = received_files(app, link)
    return received


def test_review_a_file(app: DocIntake, owner: Principal) -> None:
    received = received_file(app, owner)
    app.files.review(owner, received.id, ReviewState.QUERY, "Seite 2 fehlt – bitte nachreichen")
    assert app.files.get(owner, received.id).review_state == ReviewState.QUERY
    app.files.review(owner, received.id, ReviewState.CHECKED, None)
    assert app.files.get(owner, received.id).review_state == ReviewState.CHECKED


def test_read_and_delete_a_file(app: DocIntake, owner: Principal) -> None:
    received = received_file(app, owner)
    _, content = app.files.content(owner, received.id)
    assert b"".join(content) == PDF
    recorded = app.files.delete(owner, received.id)
    assert recorded.id == received.id
    with pytest.raises(NotFound):
        app.files.get(owner, received.id)
    assert app.load(received.link_id, UploadLink).upload_count == 0


def test_files_of_another_organisation_are_not_found(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    received = received_file(app, owner)
    for attempt in (
        lambda: app.files.get(stranger, received.id),
        lambda: app.files.content(stranger, received.id),
        lambda: app.files.review(stranger, received.id, ReviewState.CHECKED, None),
        lambda: app.files.delete(stranger, received.id),
    ):
        with pytest.raises(NotFound):
            attempt()


def test_a_viewer_may_read_but_not_review(app: DocIntake, owner: Principal) -> None:
    received = received_file(app, owner)
    viewer = member(app, owner, "viewer", "leser@example.com")
    assert app.files.get(viewer, received.id).id == received.id
    with pytest.raises(Forbidden):
        app.files.review(viewer, received.id, ReviewState.CHECKED, None)


def test_send_a_file_and_the_client_downloads_it(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    staged = app.uploads.into_customer(owner, customer_id).stage("Bescheid 2024.pdf", 1)
    staged.write(PDF)
    upload = staged.finish()
    recorded = app.sent_files.send(
        owner, customer_id, [upload], datetime.now(UTC) + timedelta(days=2)
    )
    sent = app.load(recorded.id, SentFile)
    assert app.sent_files.url(sent) == f"{app.base_url}/d/{sent.token}"
    assert objects(app) == {sent.object_key: PDF}
    _, content = app.sent_files.download(sent.token)
    assert b"".join(content) == PDF
    assert app.load(sent.id, SentFile).downloaded_at is not None
    with pytest.raises(NotFound):
        app.sent_files.public("unbekannt")


def test_sending_nothing_or_to_a_strangers_customer_stores_nothing(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    staged = app.uploads.into_customer(owner, customer_id).stage("a.pdf", 1)
    staged.write(PDF)
    upload = staged.finish()
    with pytest.raises(NotFound):
        app.sent_files.send(stranger, customer_id, [upload], None)
    assert objects(app) == {}
    with pytest.raises(NotFound):
        app.uploads.into_customer(stranger, customer_id).stage("b.pdf", 1)


def staged_for_customer(app: DocIntake, owner: Principal, customer_id: UUID) -> StoredUpload:
    staged = app.uploads.into_customer(owner, customer_id).stage("Bescheid – Straße 1.pdf", 1)
    staged.write(PDF)
    return staged.finish()


def test_a_send_refused_for_its_expiry_or_the_callers_role_stores_nothing(
    app: DocIntake, owner: Principal
) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    viewer = member(app, owner, "viewer", "leser@example.com")
    before = app.head()
    for principal, expires_at, refusal in (
        (owner, datetime.now(UTC) - timedelta(minutes=1), InvalidValue),
        (owner, datetime.now(UTC) + timedelta(days=400), InvalidValue),
        (viewer, None, Forbidden),
    ):
        upload = staged_for_customer(app, owner, customer_id)
        with pytest.raises(refusal):
            app.sent_files.send(principal, customer_id, [upload], expires_at)
        assert objects(app) == {}
    assert app.head() == before


def test_an_expired_download_is_refused(
    app: DocIntake, owner: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    upload = staged_for_customer(app, owner, customer_id)
    in_a_minute = datetime.now(UTC) + timedelta(minutes=1)
    sent = app.load(app.sent_files.send(owner, customer_id, [upload], in_a_minute).id, SentFile)
    assert app.sent_files.public(sent.token).id == sent.id
    # The application's clock, a minute on.
    monkeypatch.setattr(app, "now", lambda: in_a_minute + timedelta(seconds=1))
    with pytest.raises(LinkExpired):
        app.sent_files.download(sent.token)
    assert app.load(sent.id, SentFile).downloaded_at is None
