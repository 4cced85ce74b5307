"""Resumable uploads (tus): create on a link, append in pieces at the offset, a cut request
keeps what arrived, the last byte records the file through the upload use case; every
refusal keeps nothing of the request."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from uuid import uuid4

import pytest

from application.docintake import DocIntake
from application.errors import NotFound
from application.principal import Principal
from application.resumable_uploads import (
    AppendSession,
    ChecksumMismatch,
    OffsetMismatch,
    ResumableUploads,
    StagingBusy,
    UploadState,
    UploadTooLarge,
    UploadTypeNotAllowed,
)
from domain.errors import InvalidValue
from domain.upload_link import LinkRevoked, UploadLink
from tests.commands.test_uploads import PDF, new_link, objects, received_files
from tests.support.memory import MemoryStaging

CLIENT = "203.0.113.7"
NAME = "Kündigung – 2024.pdf"


@pytest.fixture
def staging() -> MemoryStaging:
    return MemoryStaging()


@pytest.fixture
def tus(app: DocIntake, staging: MemoryStaging) -> ResumableUploads:
    return ResumableUploads(app, staging, app.max_upload_size)


def start(tus: ResumableUploads, link: UploadLink, **metadata: object) -> UploadState:
    values: dict[str, object] = {"length": len(PDF), "filename": NAME, "item_id": None}
    return tus.create(link.token, None, CLIENT, **(values | metadata))  # type: ignore[arg-type]


def piece(
    tus: ResumableUploads, link: UploadLink, state: UploadState, offset: int, checksum: bytes | None
) -> AppendSession:
    session = tus.append(link, state.upload_id, offset, checksum)
    session.open()
    return session


def test_an_upload_in_pieces_is_recorded_after_its_last_byte(
    app: DocIntake, owner: Principal, tus: ResumableUploads, staging: MemoryStaging
) -> None:
    link = new_link(app, owner, requested_items_value=["Kündigung", "Lohnzettel"])
    item_id = link.requested_items[0]["id"]
    state = start(tus, link, item_id=item_id, uploader_name="Jürgen Groß")
    assert (state.offset, state.length) == (0, len(PDF))
    first = piece(tus, link, state, 0, None)
    first.write(PDF[:1000])
    assert first.close() == (1000, None)
    assert tus.status(link.token, None, CLIENT, state.upload_id).offset == 1000
    assert received_files(app, link) == []
    rest = PDF[1000:]
    last = piece(tus, link, state, 1000, hashlib.sha256(rest).digest())
    last.write(rest)
    offset, recorded = last.close()
    assert offset == len(PDF) and recorded is not None and recorded.position == app.head()
    (received,) = received_files(app, link)
    assert (received.filename, received.size, received.item_id) == (NAME, len(PDF), item_id)
    assert received.uploader_name == "Jürgen Groß"
    assert objects(app) == {received.object_key: PDF}
    # The staging is gone once the file is recorded.
    assert staging.uploads == {}


def test_a_cut_request_keeps_what_arrived_unless_a_checksum_was_to_cover_it(
    app: DocIntake, owner: Principal, tus: ResumableUploads
) -> None:
    link = new_link(app, owner)
    state = start(tus, link)
    cut = piece(tus, link, state, 0, None)
    cut.write(PDF[:700])
    cut.cut_off()
    assert tus.status(link.token, None, CLIENT, state.upload_id).offset == 700
    covered = piece(tus, link, state, 700, hashlib.sha256(PDF[700:]).digest())
    covered.write(PDF[700:900])
    covered.cut_off()
    assert tus.status(link.token, None, CLIENT, state.upload_id).offset == 700


def test_a_piece_at_the_wrong_offset_with_a_wrong_checksum_or_too_long_is_refused(
    app: DocIntake, owner: Principal, tus: ResumableUploads
) -> None:
    link = new_link(app, owner)
    state = start(tus, link)
    with pytest.raises(OffsetMismatch) as mismatch:
        piece(tus, link, state, 5, None)
    assert "0" in str(mismatch.value)
    wrong = piece(tus, link, state, 0, hashlib.sha256(b"anders").digest())
    wrong.write(PDF[:100])
    with pytest.raises(ChecksumMismatch):
        wrong.close()
    too_long = piece(tus, link, state, 0, None)
    with pytest.raises(UploadTooLarge):
        too_long.write(PDF + b"!")
    too_long.refuse()
    assert tus.status(link.token, None, CLIENT, state.upload_id).offset == 0
    # One request appends at a time.
    holding = piece(tus, link, state, 0, None)
    with pytest.raises(StagingBusy):
        piece(tus, link, state, 0, None)
    holding.refuse()
    assert received_files(app, link) == []


def test_creating_names_the_bad_metadata(
    app: DocIntake, owner: Principal, tus: ResumableUploads, staging: MemoryStaging
) -> None:
    link = new_link(app, owner, max_file_size=1_000, requested_items_value=["Kündigung"])
    for metadata, field in (
        ({"length": None}, "Upload-Length"),
        ({"length": 0}, "Upload-Length"),
        ({"length": 10, "filename": "  "}, "filename"),
        ({"length": 10, "filename": "ü" * 501}, "filename"),
        ({"length": 10, "item_id": uuid4()}, "item_id"),
    ):
        with pytest.raises(InvalidValue) as refused:
            start(tus, link, **metadata)
        assert field in refused.value.fields
    with pytest.raises(UploadTooLarge):
        start(tus, link, length=1_001)
    assert staging.uploads == {}


def test_a_file_of_a_type_the_link_does_not_take_is_dropped_at_its_first_bytes(
    app: DocIntake, owner: Principal, tus: ResumableUploads, staging: MemoryStaging
) -> None:
    link = new_link(app, owner, allowed_types_value=["image/jpeg"])
    state = start(tus, link)
    session = piece(tus, link, state, 0, None)
    session.write(PDF)
    with pytest.raises(UploadTypeNotAllowed):
        session.close()
    assert staging.uploads == {} and received_files(app, link) == []


def test_a_revoked_link_or_another_links_upload_is_refused(
    app: DocIntake, owner: Principal, tus: ResumableUploads, staging: MemoryStaging
) -> None:
    link, other = new_link(app, owner), new_link(app, owner)
    state = start(tus, link)
    with pytest.raises(NotFound):
        tus.status(other.token, None, CLIENT, state.upload_id)
    with pytest.raises(NotFound):
        tus.terminate(other.token, None, CLIENT, state.upload_id)
    app.links.revoke(owner, link.id)
    for attempt in (
        lambda: start(tus, link),
        lambda: tus.status(link.token, None, CLIENT, state.upload_id),
    ):
        with pytest.raises(LinkRevoked):
            attempt()


def test_terminate_and_sweep_remove_the_staged_bytes(
    app: DocIntake, owner: Principal, staging: MemoryStaging
) -> None:
    link = new_link(app, owner)
    now = app.now()
    tus = ResumableUploads(app, staging, app.max_upload_size, clock=lambda: now)
    ended, left = start(tus, link), start(tus, link)
    tus.terminate(link.token, None, CLIENT, ended.upload_id)
    assert set(staging.uploads) == {left.upload_id}
    assert tus.sweep() == 0
    later = ResumableUploads(
        app, staging, app.max_upload_size, clock=lambda: now + timedelta(days=8)
    )
    assert later.sweep() == 1 and staging.uploads == {}
    with pytest.raises(NotFound):
        tus.status(link.token, None, CLIENT, left.upload_id)


def test_an_upload_whose_process_stopped_after_the_last_byte_is_recorded_when_asked(
    app: DocIntake, owner: Principal, tus: ResumableUploads, staging: MemoryStaging
) -> None:
    """The last byte is staged and acknowledged on disk, then the process stops before the
    file is recorded: the client's next HEAD finds a complete offset, and that must mean a
    recorded file, once."""
    link = new_link(app, owner)
    state = start(tus, link)
    session = piece(tus, link, state, 0, None)
    session.write(PDF)
    assert session.appender.commit() == len(PDF)  # on disk; then the process stopped
    session._hold.close()
    assert received_files(app, link) == []

    asked = tus.status(link.token, None, CLIENT, state.upload_id)
    assert asked.offset == len(PDF)
    (received,) = received_files(app, link)
    assert (received.filename, received.size) == (NAME, len(PDF))
    assert objects(app) == {received.object_key: PDF}
    assert staging.uploads == {}


def test_an_upload_recorded_before_its_staging_was_removed_is_not_recorded_twice(
    app: DocIntake,
    owner: Principal,
    tus: ResumableUploads,
    staging: MemoryStaging,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = new_link(app, owner)
    state = start(tus, link)
    session = piece(tus, link, state, 0, None)
    session.write(PDF)
    # The file is recorded, then the process stops before the staging is removed.
    with monkeypatch.context() as stopped:
        stopped.setattr(staging, "delete", lambda upload_id: None)
        session.close()
    (received,) = received_files(app, link)
    head = app.head()
    assert tus.status(link.token, None, CLIENT, state.upload_id).offset == len(PDF)
    assert app.head() == head  # nothing recorded again
    assert received_files(app, link) == [received]
    assert staging.uploads == {}


def test_a_head_while_the_last_request_is_recording_leaves_it_to_that_request(
    app: DocIntake, owner: Principal, tus: ResumableUploads, staging: MemoryStaging
) -> None:
    link = new_link(app, owner)
    state = start(tus, link)
    session = piece(tus, link, state, 0, None)
    session.write(PDF)
    session.appender.commit()  # the last byte is on disk; the request still holds the upload
    assert tus.status(link.token, None, CLIENT, state.upload_id).offset == len(PDF)
    assert received_files(app, link) == []  # not recorded by the HEAD: that request does it
    session._hold.close()  # the request stopped without recording (a crash)
    assert tus.status(link.token, None, CLIENT, state.upload_id).offset == len(PDF)
    assert len(received_files(app, link)) == 1
