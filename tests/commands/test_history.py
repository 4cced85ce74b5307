"""The auditor's queries and the storage sweep, on the event store itself."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.docintake import DocIntake
from application.errors import NotFound
from application.principal import Principal
from application.storage_keys import incoming_key
from domain.errors import InvalidValue
from tests.commands.test_uploads import PDF, new_link, objects


def test_a_customers_history_includes_its_links_and_files(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    link = new_link(app, owner)
    app.uploads.receive(link, "Müller.pdf", [PDF])
    app.customers.add_note(owner, link.customer_id, "Danke")
    history = app.history.for_principal(owner, link.customer_id)
    types = [event.type for event in history]
    assert types[0] == "CustomerCreated"
    assert {"UploadLinkCreated", "FileUploaded", "NoteAdded"} <= set(types)
    with pytest.raises(NotFound):
        app.history.for_principal(stranger, link.customer_id)


def test_the_customer_as_of_a_version(app: DocIntake, owner: Principal) -> None:
    customer_id = app.customers.create(owner, "Anna").id
    app.customers.change_details(owner, customer_id, {"name": "Anna Österreich"})
    assert app.history.customer_state_at(customer_id, version=1)["name"] == "Anna"
    assert app.history.customer_state_at(customer_id)["name"] == "Anna Österreich"
    with pytest.raises(InvalidValue):
        app.history.customer_state_at(customer_id, version=99)


def test_the_sweep_removes_staging_no_event_speaks_for(app: DocIntake, owner: Principal) -> None:
    link = new_link(app, owner)
    app.uploads.receive(link, "Müller.pdf", [PDF])
    staged = app.uploads.into_link(app.load(link.id, type(link))).stage("verwaist.pdf", 1)
    staged.write(PDF)
    orphan = staged.finish()
    assert orphan.temporary_key == incoming_key(orphan.file_id)
    assert app.storage.sweep(older_than=timedelta(0)) == {"finished": 0, "removed": 1}
    assert all(not key.startswith("incoming/") for key in objects(app))
    assert len(objects(app)) == 1


def test_the_customer_lists_counts_from_the_event_store(app: DocIntake, owner: Principal) -> None:
    link = new_link(app, owner)
    revoked = app.links.create(owner, link.customer_id).id
    app.links.revoke(owner, revoked)
    app.uploads.receive(link, "Müller.pdf", [PDF])
    counts = app.history.part_counts(link.customer_id)
    assert (counts.link_count, counts.file_count) == (1, 1)
    assert counts.last_upload_at is not None
