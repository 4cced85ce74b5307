"""The upload use case: stage from a byte stream, record, promote; nothing stays when refused."""

from __future__ import annotations

import pytest

from application.docintake import DocIntake
from application.principal import Principal
from application.staging import FileTooLarge, FileTypeNotAllowed
from domain.customer import Customer
from domain.errors import InvalidValue
from domain.received_file import ReceivedFile
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
