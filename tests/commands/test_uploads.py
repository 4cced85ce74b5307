"""The upload use case: stage from a byte stream, record, promote; nothing stays when refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from application.docintake import DocIntake
from application.errors import NotFound
from application.principal import Principal
from application.staging import FileTooLarge, FileTypeNotAllowed, StoredUpload
from application.uploads import FilePart, UploadDetails
from domain.customer import Customer
from domain.errors import InvalidValue
from domain.received_file import (
    REMOVAL_WINDOW,
    FileGone,
    ReceivedFile,
    RemovalRefused,
    RemovalTooLate,
    ReviewState,
)
from domain.upload_link import LinkRevoked, MaxFilesReached, UploadLink
from domain.values import CustomerStatus
from tests.support.memory import MemoryFileStore

PDF = b"%PDF-1.7\n" + "Kündigung – 2024 🧾\n".encode() * 200 + b"%%EOF\n"


def objects(app: DocIntake) -> dict[str, bytes]:
    store = app.file_store
    assert isinstance(store, MemoryFileStore)
    return {key: content for key, (content, _) in store.objects.items()}


def new_link(app: DocIntake, owner: Principal, **options: object) -> UploadLink:
    customer_id = app.customers.create(owner, "Anna Müller").id
    return app.load(app.links.create(owner, customer_id, **options).id, UploadLink)  # type: ignore[arg-type]


def received_files(app: DocIntake, link: UploadLink) -> list[ReceivedFile]:
    """The files received through `link`, from the event store's own record."""
    parts = [app.repository.get(part) for part in app.history.customer_parts(link.customer_id)]
    return [p for p in parts if isinstance(p, ReceivedFile) and p.link_id == link.id]


def test_receive_records_the_file_and_moves_it_to_its_final_key(
    app: DocIntake, owner: Principal
) -> None:
    link = new_link(app, owner)
    chunks = [PDF[:1000], PDF[1000:]]
    recorded = app.uploads.receive(
        link, "Kündigung – 2024.pdf", chunks, uploader_name="Jürgen", uploader_email=None
    )
    assert recorded.id == link.id and recorded.position == app.head()
    (received,) = received_files(app, link)
    assert (received.filename, received.size, received.content_type) == (
        "Kündigung – 2024.pdf",
        len(PDF),
        "application/pdf",
    )
    assert received.uploader_name == "Jürgen"
    assert objects(app) == {received.object_key: PDF}
    assert app.load(link.customer_id, Customer).status == CustomerStatus.PARTIAL


@pytest.mark.parametrize(
    ("options", "name", "content", "refusal"),
    [
        ({"max_file_size": 100}, "Müller.pdf", PDF, FileTooLarge),
        ({"allowed_types_value": ["image/jpeg"]}, "Müller.pdf", PDF, FileTypeNotAllowed),
        ({}, "leer.pdf", b"", InvalidValue),
    ],
)
def test_a_refused_file_leaves_nothing_behind(
    app: DocIntake,
    owner: Principal,
    options: dict[str, object],
    name: str,
    content: bytes,
    refusal: type[Exception],
) -> None:
    link = new_link(app, owner, **options)
    with pytest.raises(refusal):
        app.uploads.receive(link, name, [content])
    assert objects(app) == {}
    assert app.load(link.id, UploadLink).upload_count == 0


def test_the_link_takes_at_most_max_files(app: DocIntake, owner: Principal) -> None:
    link = new_link(app, owner, max_files=1)
    app.uploads.receive(link, "eins.pdf", [PDF])
    with pytest.raises(MaxFilesReached):
        app.uploads.receive(app.load(link.id, UploadLink), "zwei.pdf", [PDF])
    # Also when the caller still holds the link as it was before the first file.
    with pytest.raises(MaxFilesReached):
        app.uploads.receive(link, "drei.pdf", [PDF])
    assert len(objects(app)) == 1


def test_a_revoked_link_or_a_bad_uploader_stores_nothing(app: DocIntake, owner: Principal) -> None:
    link = new_link(app, owner)
    with pytest.raises(InvalidValue) as refused:
        app.uploads.receive(link, "a.pdf", [PDF], uploader_email="keine adresse")
    assert "uploader_email" in refused.value.fields
    app.links.revoke(owner, link.id)
    with pytest.raises(LinkRevoked):
        app.uploads.receive(link, "b.pdf", [PDF])
    assert objects(app) == {}


def staged_for(app: DocIntake, link: UploadLink, *names: str) -> list[StoredUpload]:
    target = app.uploads.into_link(link)
    uploads = []
    for count, name in enumerate(names, start=1):
        staged = target.stage(name, count)
        staged.write(PDF)
        uploads.append(staged.finish())
    return uploads


def test_several_files_of_one_request_are_recorded_together(
    app: DocIntake, owner: Principal
) -> None:
    link = new_link(app, owner)
    uploads = staged_for(app, link, "Müller.pdf", "Straße 1 – 2024.pdf")
    recorded = app.uploads.record(
        link.id, uploads, item_id=None, uploader_name="Zoë", uploader_email="zoe@example.com"
    )
    assert recorded.position == app.head()
    assert app.load(link.id, UploadLink).upload_count == 2
    assert sorted(f.filename for f in received_files(app, link)) == [
        "Müller.pdf",
        "Straße 1 – 2024.pdf",
    ]
    assert len(objects(app)) == 2


def test_files_staged_before_the_link_was_revoked_are_removed(
    app: DocIntake, owner: Principal
) -> None:
    link = new_link(app, owner)
    uploads = staged_for(app, link, "a.pdf", "b.pdf")
    assert len(objects(app)) == 2
    app.links.revoke(owner, link.id)
    with pytest.raises(LinkRevoked):
        app.uploads.record(link.id, uploads, item_id=None, uploader_name=None, uploader_email=None)
    assert objects(app) == {} and received_files(app, link) == []


def test_a_question_on_a_file_of_no_document_is_answered_with_a_replacement(
    app: DocIntake, owner: Principal
) -> None:
    link = new_link(app, owner, max_files=1, requested_items_value=["Ausweis"])
    scan = app.uploads.receive(link, "Scan – Straße.pdf", [PDF])
    [queried] = received_files(app, app.load(scan.id, UploadLink))
    app.files.review(owner, queried.id, ReviewState.QUERY, "Bitte lesbarer scannen 🙂")
    link = app.load(link.id, UploadLink)
    assert link.open_file_question(queried.id) == "Bitte lesbarer scannen 🙂"
    # The link is full; an answer is taken all the same, one only.
    assert link.files_acceptable() == 1
    with pytest.raises(InvalidValue) as refused:
        app.uploads.receive(link, "neu.pdf", [PDF], replaces=link.id)
    assert refused.value.problems["replaces"].code == "no_open_question"
    app.uploads.receive(link, "Scan neu.pdf", [PDF], replaces=queried.id)
    link = app.load(link.id, UploadLink)
    assert link.open_file_question(queried.id) is None
    assert link.open_questions() == []
    assert link.answered[f"file:{queried.id.hex}"] == "Bitte lesbarer scannen 🙂"
    names = [type(e).__name__ for e in app.events.get(link.id)]
    assert names[-2:] == ["UploadReceived", "FileQueryAnswered"]
    with pytest.raises(MaxFilesReached):
        app.uploads.receive(link, "noch eins.pdf", [PDF], replaces=queried.id)
    assert len(objects(app)) == 2


def test_the_client_takes_a_file_back_within_15_minutes_with_its_key(
    app: DocIntake, owner: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = new_link(app, owner, requested_items_value=["Kündigung – 2024"])
    item_id = link.requested_items[0]["id"]
    sent = app.uploads.receive(link, "Müller.pdf", [PDF], item_id=item_id)
    [(file_id, key)] = sent.removal_keys.items()
    (received,) = received_files(app, link)
    assert received.removal_key_hash not in (None, key)  # only its hash is kept
    address = "203.0.113.7"

    with pytest.raises(RemovalRefused):
        app.uploads.take_back(link.token, None, address, file_id, key[:-1] + "x")
    with pytest.raises(InvalidValue) as blank:
        app.uploads.take_back(link.token, None, address, file_id, "")
    assert list(blank.value.fields) == ["removal_key"]
    other = new_link(app, owner)
    with pytest.raises(NotFound):
        app.uploads.take_back(other.token, None, address, file_id, key)

    recorded = app.uploads.take_back(link.token, None, address, file_id, key)
    assert recorded.id == file_id and recorded.position == app.head()
    assert app.load(file_id, ReceivedFile).deleted
    current = app.load(link.id, UploadLink)
    assert current.upload_count == 0 and current.item_state(str(item_id)) == "missing"
    deleted = [e for e in app.events.get(file_id) if isinstance(e, ReceivedFile.FileDeleted)]
    assert [e.actor_id for e in deleted] == [None]
    with pytest.raises(FileGone):
        app.uploads.take_back(link.token, None, address, file_id, key)

    # After the quarter of an hour: refused, the file stays.
    late = app.uploads.receive(link, "Kündigung – 2024.pdf", [PDF], item_id=item_id)
    [(late_id, late_key)] = late.removal_keys.items()
    later = app.now() + REMOVAL_WINDOW + timedelta(seconds=1)
    monkeypatch.setattr(app, "now", lambda: later)
    with pytest.raises(RemovalTooLate) as too_late:
        app.uploads.take_back(link.token, None, address, late_id, late_key)
    assert too_late.value.params == {"minutes": 15}
    assert not app.load(late_id, ReceivedFile).deleted


def test_taking_back_the_last_file_reopens_only_a_status_that_moved_by_itself(
    app: DocIntake, owner: Principal
) -> None:
    link = new_link(app, owner)
    customer_id, address = link.customer_id, "203.0.113.7"

    def status() -> str:
        return app.load(customer_id, Customer).status

    first = app.uploads.receive(link, "Müller.pdf", [PDF]).removal_keys
    second = app.uploads.receive(link, "Straße 1.pdf", [PDF]).removal_keys
    assert status() == CustomerStatus.PARTIAL.value
    [(file_id, key)] = first.items()
    app.uploads.take_back(link.token, None, address, file_id, key)
    assert status() == CustomerStatus.PARTIAL.value  # one file is still there
    [(file_id, key)] = second.items()
    app.uploads.take_back(link.token, None, address, file_id, key)
    assert status() == CustomerStatus.OPEN.value
    changed = [e for e in app.events.get(customer_id) if isinstance(e, Customer.StatusChanged)]
    assert [(e.old_status, e.new_status, e.reason, e.actor_id) for e in changed] == [
        ("open", "partial", "automatic", None),
        ("partial", "open", "automatic", None),
    ]

    # Set by hand: a take-back never changes it, even of the only file.
    app.customers.set_status(owner, customer_id, CustomerStatus.PARTIAL)
    [(file_id, key)] = app.uploads.receive(link, "Kündigung – 2024.pdf", [PDF]).removal_keys.items()
    app.uploads.take_back(link.token, None, address, file_id, key)
    assert status() == CustomerStatus.PARTIAL.value

    # Staff deleting the last file follow the same rule (the change names them).
    app.customers.set_status(owner, customer_id, CustomerStatus.OPEN)
    [(file_id, _)] = app.uploads.receive(link, "Müller.pdf", [PDF]).removal_keys.items()
    assert status() == CustomerStatus.PARTIAL.value
    app.files.delete(owner, file_id)
    last = [e for e in app.events.get(customer_id) if isinstance(e, Customer.StatusChanged)][-1]
    assert (last.new_status, last.reason, last.actor_id) == ("open", "automatic", owner.user_id)


class Form:
    """A request's form as an interface hands it over: file parts, then the fields."""

    def __init__(self, files: list[tuple[str, list[bytes]]], **fields: str) -> None:
        self._files = files
        self.fields = fields
        self.asked: tuple[int, int | None] | None = None

    def files(self, max_file_size: int, max_files: int | None) -> Iterator[FilePart]:
        self.asked = (max_file_size, max_files)
        for name, chunks in self._files:
            yield FilePart(name, iter(chunks))

    def field(self, name: str) -> str | None:
        return self.fields.get(name)

    def details(self) -> UploadDetails:
        return UploadDetails(uploader_name=self.fields.get("uploader_name"))


def test_one_request_is_checked_staged_recorded_and_promoted_in_one_call(
    app: DocIntake, owner: Principal
) -> None:
    link = new_link(app, owner, max_files=3, password="Straße–2024")
    form = Form(
        [("Müller.pdf", [PDF[:10], PDF[10:]]), ("Kündigung – 2024.pdf", [PDF])],
        password="Straße–2024",
        uploader_name="Jürgen Groß",
    )
    recorded = app.uploads.receive_request(link.token, None, "127.0.0.1", form)
    assert form.asked == (link.max_file_size, 3)
    assert recorded.position == app.head()
    assert [u.original_filename for u in recorded.uploads] == ["Müller.pdf", "Kündigung – 2024.pdf"]
    assert set(recorded.removal_keys) == {u.file_id for u in recorded.uploads}
    assert recorded.removable_until is not None
    assert recorded.removable_until - REMOVAL_WINDOW <= app.now()
    assert {f.uploader_name for f in received_files(app, link)} == {"Jürgen Groß"}
    assert len(objects(app)) == 2


def test_a_request_refused_at_its_second_file_leaves_nothing(
    app: DocIntake, owner: Principal
) -> None:
    link = new_link(app, owner, allowed_types_value=["application/pdf"])
    form = Form([("a.pdf", [PDF]), ("bild.png", [b"\x89PNG\r\n\x1a\n" + b"\0" * 100])])
    with pytest.raises(FileTypeNotAllowed):
        app.uploads.receive_request(link.token, None, "127.0.0.1", form)
    assert objects(app) == {} and received_files(app, link) == []
