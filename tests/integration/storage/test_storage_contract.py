"""One behaviour for every file store: a local folder and an S3 bucket (SeaweedFS)."""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from application.ports import FileStore, ObjectMissing
from infrastructure.file_store_local import LocalFileStore
from infrastructure.file_store_s3 import S3FileStore

MiB = 1024 * 1024


def write_object(store: FileStore, key: str, chunks: Iterable[bytes]) -> None:
    writer = store.writer(key)
    try:
        for chunk in chunks:
            writer.write(chunk)
        writer.commit()
    finally:
        writer.abort()  # a no-op after commit; cleans up if a write failed


def read_all(store: FileStore, key: str, chunk_size: int = MiB) -> bytes:
    return b"".join(store.read(key, chunk_size))


def open_uploads(store: FileStore) -> list[str]:
    """Object names with a multipart upload still open (S3 stores only)."""
    assert isinstance(store, S3FileStore)
    result = store.client._list_multipart_uploads(store.bucket)
    return [upload.object_name or "" for upload in result.uploads]


def test_round_trip_keeps_every_byte(store: FileStore) -> None:
    data = os.urandom(300_000)
    write_object(store, "incoming/a", [data[:1], data[1:70_000], data[70_000:]])

    assert store.exists("incoming/a")
    assert hashlib.sha256(read_all(store, "incoming/a")).digest() == hashlib.sha256(data).digest()
    chunks = list(store.read("incoming/a", chunk_size=65_536))
    assert b"".join(chunks) == data
    assert all(len(chunk) <= 65_536 for chunk in chunks)


def test_empty_object(store: FileStore) -> None:
    write_object(store, "incoming/empty", [])
    assert store.exists("incoming/empty")
    assert read_all(store, "incoming/empty") == b""


def test_nothing_is_visible_before_commit(store: FileStore) -> None:
    writer = store.writer("incoming/pending")
    writer.write(b"x" * 1000)

    assert not store.exists("incoming/pending")
    assert list(store.list("")) == []
    with pytest.raises(ObjectMissing):
        store.read("incoming/pending")

    writer.commit()
    assert read_all(store, "incoming/pending") == b"x" * 1000


def test_commit_replaces_an_existing_object(store: FileStore) -> None:
    write_object(store, "files/f", [b"old"])
    write_object(store, "files/f", [b"new"])
    assert read_all(store, "files/f") == b"new"


def test_abort_leaves_nothing(store: FileStore) -> None:
    small = store.writer("incoming/small")
    small.write(b"abc")
    small.abort()
    small.abort()  # safe twice

    # Large enough for parts to be on the server already when abort comes.
    large = store.writer("incoming/large")
    for _ in range(12):
        large.write(os.urandom(MiB))
    large.abort()
    large.abort()

    assert not store.exists("incoming/small")
    assert not store.exists("incoming/large")
    assert list(store.list("")) == []
    if isinstance(store, S3FileStore):
        assert open_uploads(store) == []
    if isinstance(store, LocalFileStore):
        assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_writer_refuses_use_after_commit_or_abort(store: FileStore) -> None:
    committed = store.writer("incoming/c")
    committed.write(b"1")
    committed.commit()
    committed.abort()  # must not remove the committed object
    assert read_all(store, "incoming/c") == b"1"
    with pytest.raises(ValueError):
        committed.write(b"2")
    with pytest.raises(ValueError):
        committed.commit()

    aborted = store.writer("incoming/d")
    aborted.abort()
    with pytest.raises(ValueError):
        aborted.write(b"2")
    with pytest.raises(ValueError):
        aborted.commit()


def test_promote_moves_and_is_idempotent(store: FileStore) -> None:
    data = os.urandom(10_000)
    write_object(store, "incoming/u1", [data])

    store.promote("incoming/u1", "files/f1")

    assert not store.exists("incoming/u1")
    assert read_all(store, "files/f1") == data
    store.promote("incoming/u1", "files/f1")  # a retry changes nothing
    assert read_all(store, "files/f1") == data
    assert [key for key, _ in store.list("")] == ["files/f1"]


def test_promote_of_a_missing_object_raises(store: FileStore) -> None:
    with pytest.raises(ObjectMissing):
        store.promote("incoming/never", "files/never")
    assert not store.exists("files/never")


def test_delete(store: FileStore) -> None:
    write_object(store, "files/gone", [b"bytes"])
    store.delete("files/gone")
    assert not store.exists("files/gone")
    with pytest.raises(ObjectMissing):
        store.read("files/gone")
    store.delete("files/gone")  # again: not an error
    store.delete("files/never-was")


def test_read_of_a_missing_key_raises_object_missing(store: FileStore) -> None:
    with pytest.raises(ObjectMissing):
        store.read("files/missing")
    with pytest.raises(ObjectMissing):
        store.read("nothing/below/here")
    assert not store.exists("files/missing")


def test_list_by_prefix_with_times(store: FileStore) -> None:
    before = datetime.now(UTC) - timedelta(seconds=2)
    for key in ["incoming/a", "incoming/b", "incoming/sub/c", "incomingx/d", "files/e"]:
        write_object(store, key, [key.encode()])
    after = datetime.now(UTC) + timedelta(seconds=2)

    incoming = dict(store.list("incoming/"))
    assert set(incoming) == {"incoming/a", "incoming/b", "incoming/sub/c"}
    for modified in incoming.values():
        assert modified.tzinfo is not None
        assert modified.utcoffset() == timedelta(0)
        # S3 keeps whole seconds only.
        assert before <= modified <= after

    assert {key for key, _ in store.list("incoming")} == {
        "incoming/a",
        "incoming/b",
        "incoming/sub/c",
        "incomingx/d",
    }
    assert {key for key, _ in store.list("incoming/s")} == {"incoming/sub/c"}
    assert {key for key, _ in store.list("")} == set(incoming) | {"incomingx/d", "files/e"}
    assert list(store.list("nothing/")) == []


def test_list_skips_writers_in_progress(store: FileStore) -> None:
    write_object(store, "incoming/done", [b"1"])
    writer = store.writer("incoming/busy")
    writer.write(b"2")
    try:
        assert [key for key, _ in store.list("incoming/")] == ["incoming/done"]
    finally:
        writer.abort()


def test_list_times_follow_the_writes(store: FileStore) -> None:
    write_object(store, "incoming/old", [b"1"])
    time.sleep(1.1)  # S3 listing times have one-second resolution
    write_object(store, "incoming/new", [b"2"])
    times = dict(store.list("incoming/"))
    assert times["incoming/old"] < times["incoming/new"]


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../outside",
        "incoming/../../outside",
        "incoming/./a",
        "incoming//a",
        "incoming/",
        "incoming/.hidden",
        "incoming\\a",
        "incoming/a\x00b",
        "x" * 1025,
    ],
)
def test_unsafe_keys_are_refused(store: FileStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.writer(key)
    with pytest.raises(ValueError):
        store.read(key)
    with pytest.raises(ValueError):
        store.exists(key)
    with pytest.raises(ValueError):
        store.delete(key)
    with pytest.raises(ValueError):
        store.promote(key, "files/ok")
    with pytest.raises(ValueError):
        store.promote("incoming/ok", key)


def test_list_refuses_traversal_prefixes(store: FileStore) -> None:
    for prefix in ["../", "/etc", "incoming/../.."]:
        with pytest.raises(ValueError):
            store.list(prefix)


def odd_chunks(data: bytes, seed: int) -> Iterable[bytes]:
    """Cut `data` into chunks of awkward sizes, from 1 byte to several MiB."""
    rng = random.Random(seed)
    sizes = [1, 7, 4095, 65_537, 1_048_573, 5 * MiB + 3, 3 * MiB - 1]
    position = 0
    while position < len(data):
        size = rng.choice(sizes)
        yield data[position : position + size]
        position += size


@pytest.mark.parametrize("size", [20 * MiB, 10 * MiB, 5 * MiB + 1, 5 * MiB - 1])
def test_multipart_objects_round_trip_exactly(store: FileStore, size: int) -> None:
    # The S3 stores here use 5 MiB parts: these sizes give several full parts,
    # exactly full parts, one byte over and one byte under a part.
    data = os.urandom(size)
    write_object(store, "incoming/big", odd_chunks(data, seed=size))

    digest = hashlib.sha256()
    length = 0
    for chunk in store.read("incoming/big", chunk_size=3 * MiB + 5):
        digest.update(chunk)
        length += len(chunk)
    assert length == size
    assert digest.digest() == hashlib.sha256(data).digest()

    store.promote("incoming/big", "files/big")
    assert hashlib.sha256(read_all(store, "files/big")).digest() == hashlib.sha256(data).digest()
    if isinstance(store, S3FileStore):
        assert open_uploads(store) == []


def test_a_single_huge_chunk_is_split_into_parts(store: FileStore) -> None:
    data = os.urandom(16 * MiB + 123)
    write_object(store, "incoming/one-chunk", [data])
    assert read_all(store, "incoming/one-chunk") == data


def test_a_partly_read_object_can_be_closed(store: FileStore) -> None:
    write_object(store, "files/r", [os.urandom(3 * MiB)])
    chunks = store.read("files/r", chunk_size=MiB)
    assert len(next(chunks)) == MiB
    close = getattr(chunks, "close", None)
    assert close is not None
    close()
    # The connection went back to the pool: the store still answers.
    assert store.exists("files/r")


def test_check_passes_on_a_working_store(store: FileStore) -> None:
    store.check()


def staging_left(store: FileStore) -> int:
    """What a killed writer left: hidden files on disk, open multipart uploads in S3."""
    # The service's store encrypts around the plain one: look beneath it.
    store = getattr(store, "inner", store)
    if isinstance(store, LocalFileStore):
        return sum(name.startswith(".") for _, _, names in os.walk(store.root) for name in names)
    return len(open_uploads(store))


def test_a_killed_writer_is_removed_once_abandoned(store: FileStore) -> None:
    write_object(store, "files/kept", [b"%PDF kept"])
    killed = store.writer("incoming/killed")
    # More than one S3 part (5 MiB here), so the bucket holds an unfinished upload.
    killed.write(os.urandom(6 * MiB))
    in_flight = store.writer("incoming/in-flight")
    first, second = os.urandom(6 * MiB), os.urandom(6 * MiB)
    in_flight.write(first)
    # The process dies: neither commit nor abort ever runs for `killed`.
    del killed
    assert staging_left(store) == 2
    assert store.remove_abandoned(datetime.now(UTC) - timedelta(hours=1)) == 0
    assert staging_left(store) == 2

    if isinstance(store, LocalFileStore):
        stale = next(p for p in store.root.rglob(".killed.*"))
        os.utime(stale, (time.time() - 3600, time.time() - 3600))
    else:
        time.sleep(2.5)  # S3 part times are cut to whole seconds
    in_flight.write(second)  # a writer that writes is not abandoned
    # What stood still since before this moment goes; the live writer stays.
    cutoff = datetime.now(UTC) - timedelta(seconds=1.2)
    assert store.remove_abandoned(cutoff) == 1
    assert staging_left(store) == 1
    in_flight.commit()
    assert read_all(store, "incoming/in-flight") == first + second
    assert read_all(store, "files/kept") == b"%PDF kept"
    assert staging_left(store) == 0
