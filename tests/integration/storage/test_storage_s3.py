"""What only the S3 store does: streaming parts, prefixes, credentials, big copies."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import ParseError

import minio.api
import pytest
from minio import Minio
from minio.error import S3Error

from application.ports import ObjectMissing
from infrastructure.file_store_s3 import DEFAULT_PART_SIZE, S3FileStore, parse_s3_url

if TYPE_CHECKING:
    from tests.support.s3 import S3Server

MiB = 1024 * 1024
SMALL_PART = 5 * MiB  # the part size of the stores the fixtures make


def open_uploads(store: S3FileStore) -> list[Any]:
    return list(store.client._list_multipart_uploads(store.bucket).uploads)


@pytest.fixture
def s3_store(s3_server: S3Server) -> Iterator[S3FileStore]:
    store = s3_server.new_store(part_size=SMALL_PART)
    yield store
    s3_server.drop_bucket(store.bucket)


def test_parts_go_up_while_writing(s3_store: S3FileStore) -> None:
    writer = s3_store.writer("incoming/stream")
    writer.write(os.urandom(SMALL_PART - 1))
    assert open_uploads(s3_store) == []  # less than a part: still in memory

    writer.write(os.urandom(2))  # completes the first part, which goes up at once
    [upload] = open_uploads(s3_store)
    assert upload.object_name == "incoming/stream"
    parts = s3_store.client._list_parts(s3_store.bucket, "incoming/stream", upload.upload_id).parts
    assert [(part.part_number, part.size) for part in parts] == [(1, SMALL_PART)]
    assert not s3_store.exists("incoming/stream")
    assert list(s3_store.list("")) == []

    writer.commit()
    assert open_uploads(s3_store) == []
    assert s3_store.client.stat_object(s3_store.bucket, "incoming/stream").size == SMALL_PART + 1


def test_less_than_a_part_is_one_put(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    store = s3_server.new_store(part_size=DEFAULT_PART_SIZE)
    calls: list[str] = []
    client = store.client
    # Every PUT of data (whole object or part) goes through _put_object.
    for name in ("_create_multipart_upload", "_put_object"):
        method = getattr(client, name)

        def spy(*args: Any, _name: str = name, _method: Any = method, **kwargs: Any) -> Any:
            calls.append(_name)
            return _method(*args, **kwargs)

        monkeypatch.setattr(client, name, spy)
    try:
        # Above the client's own 5 MiB default part, below the store's 8 MiB.
        writer = store.writer("incoming/small")
        for _ in range(7):
            writer.write(os.urandom(MiB))
        writer.commit()
        assert calls == ["_put_object"]

        calls.clear()
        writer = store.writer("incoming/two-parts")
        writer.write(os.urandom(DEFAULT_PART_SIZE + 10))
        writer.commit()
        assert calls == ["_create_multipart_upload", "_put_object", "_put_object"]
        assert store.client.stat_object(store.bucket, "incoming/small").size == 7 * MiB
    finally:
        s3_server.drop_bucket(store.bucket)


class Refused(Exception):
    """Stands in for a network error half-way through an upload."""


def refuse(*args: Any, **kwargs: Any) -> Any:
    raise Refused


def test_a_failed_part_aborts_the_upload(
    s3_store: S3FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = s3_store.writer("incoming/broken")
    writer.write(os.urandom(SMALL_PART))
    assert len(open_uploads(s3_store)) == 1
    monkeypatch.setattr(s3_store.client, "_upload_part", refuse)

    with pytest.raises(Refused):
        writer.write(os.urandom(SMALL_PART))
    assert open_uploads(s3_store) == []  # the writer cleaned up by itself
    writer.abort()
    with pytest.raises(ValueError):
        writer.commit()
    assert not s3_store.exists("incoming/broken")


def test_a_failed_commit_aborts_the_upload(
    s3_store: S3FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = s3_store.writer("incoming/late")
    writer.write(os.urandom(SMALL_PART + 1))
    monkeypatch.setattr(s3_store.client, "_complete_multipart_upload", refuse)

    with pytest.raises(Refused):
        writer.commit()
    assert open_uploads(s3_store) == []
    assert not s3_store.exists("incoming/late")


def test_abort_after_the_server_dropped_the_upload(s3_server: S3Server) -> None:
    store = s3_server.new_store(part_size=SMALL_PART)
    try:
        writer = store.writer("incoming/dropped")
        writer.write(os.urandom(SMALL_PART))
        [upload] = open_uploads(store)
        # As a lifecycle rule for incomplete uploads would.
        store.client._abort_multipart_upload(store.bucket, "incoming/dropped", upload.upload_id)

        with pytest.raises(S3Error, match="NoSuchUpload"):
            writer.write(os.urandom(SMALL_PART))
        writer.abort()
        assert not store.exists("incoming/dropped")
    finally:
        s3_server.drop_bucket(store.bucket)


def test_promote_above_the_single_copy_limit(
    s3_store: S3FileStore, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above 5 GiB the client copies in ranges (compose_object): tried with a 5 MiB limit."""
    monkeypatch.setattr(minio.api, "MAX_PART_SIZE", SMALL_PART)
    data = os.urandom(2 * SMALL_PART + 123)
    writer = s3_store.writer("incoming/huge")
    writer.write(data)
    writer.commit()

    s3_store.promote("incoming/huge", "files/huge")
    assert b"".join(s3_store.read("files/huge")) == data
    assert not s3_store.exists("incoming/huge")
    assert open_uploads(s3_store) == []


def test_a_promote_the_server_cannot_copy_keeps_the_source(
    nanio_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nanio 0.1.7 has no UploadPartCopy: the one server here on which a ranged copy fails."""
    monkeypatch.setattr(minio.api, "MAX_PART_SIZE", SMALL_PART)
    store = nanio_server.new_store(part_size=SMALL_PART)
    try:
        data = os.urandom(2 * SMALL_PART + 123)
        writer = store.writer("incoming/huge")
        writer.write(data)
        writer.commit()

        with pytest.raises((ParseError, S3Error, OSError)):
            store.promote("incoming/huge", "files/huge")
        assert b"".join(store.read("incoming/huge")) == data
        assert not store.exists("files/huge")
        assert open_uploads(store) == []
    finally:
        nanio_server.drop_bucket(store.bucket)


def test_promote_keeps_the_source_when_the_copy_comes_out_short(
    s3_store: S3FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = s3_store.client

    def short_copy(bucket: str, name: str, source: Any, **kwargs: Any) -> None:
        client.put_object(bucket, name, io.BytesIO(b"short"), 5)

    writer = s3_store.writer("incoming/u1")
    writer.write(b"the whole object")
    writer.commit()
    monkeypatch.setattr(client, "copy_object", short_copy)

    with pytest.raises(OSError, match="source kept"):
        s3_store.promote("incoming/u1", "files/u1")
    assert b"".join(s3_store.read("incoming/u1")) == b"the whole object"
    assert not s3_store.exists("files/u1")


def test_from_url_creates_the_bucket_and_applies_the_prefix(s3_server: S3Server) -> None:
    bucket = s3_server.new_bucket_name()

    def connect(url: str) -> S3FileStore:
        return S3FileStore.from_url(
            url, s3_server.endpoint, s3_server.access_key, s3_server.secret_key, False, None
        )

    tenant_a = connect(f"s3://{bucket}/tenant-a/")
    try:
        assert tenant_a.client.bucket_exists(bucket)
        tenant_b = connect(f"s3://{bucket}/tenant-b")  # the bucket exists now: fine
        whole = connect(f"s3://{bucket}")
        for store in (tenant_a, tenant_b):
            writer = store.writer("incoming/x")
            writer.write(store.prefix.encode())
            writer.commit()

        assert [key for key, _ in tenant_a.list("")] == ["incoming/x"]
        assert b"".join(tenant_b.read("incoming/x")) == b"tenant-b/"
        tenant_a.promote("incoming/x", "files/x")
        assert {key for key, _ in whole.list("")} == {"tenant-a/files/x", "tenant-b/incoming/x"}
        assert b"".join(whole.read("tenant-a/files/x")) == b"tenant-a/"
        tenant_b.delete("incoming/x")
        assert [key for key, _ in whole.list("")] == ["tenant-a/files/x"]
    finally:
        s3_server.drop_bucket(bucket)


def test_a_wrong_secret_key_is_refused(s3_server: S3Server) -> None:
    good = s3_server.new_store()
    try:
        for client in (
            s3_server.client(secret_key="not-the-secret"),
            Minio(
                s3_server.endpoint,
                access_key="nobody",
                secret_key=s3_server.secret_key,
                secure=False,
                region=s3_server.region,
            ),
        ):
            bad = S3FileStore(client, good.bucket, SMALL_PART)
            with pytest.raises(S3Error) as refused:
                bad.check()
            assert refused.value.code in {"AccessDenied", "SignatureDoesNotMatch"}
            with pytest.raises(S3Error):
                bad.exists("incoming/x")
            small = bad.writer("incoming/small")
            small.write(b"x")
            with pytest.raises(S3Error):
                small.commit()
            large = bad.writer("incoming/large")
            with pytest.raises(S3Error):
                large.write(os.urandom(SMALL_PART))
            with pytest.raises(S3Error):
                S3FileStore.from_url(
                    f"s3://{s3_server.new_bucket_name()}",
                    s3_server.endpoint,
                    s3_server.access_key,
                    "not-the-secret",
                    False,
                    s3_server.region,
                )

        assert list(good.list("")) == []
        assert open_uploads(good) == []
        good.check()
    finally:
        s3_server.drop_bucket(good.bucket)


def test_check_fails_without_the_bucket(s3_server: S3Server) -> None:
    store = S3FileStore(s3_server.client(), s3_server.new_bucket_name())
    with pytest.raises(RuntimeError, match="does not exist"):
        store.check()


def test_read_of_a_missing_key_does_not_hide_other_errors(s3_server: S3Server) -> None:
    store = S3FileStore(s3_server.client(), s3_server.new_bucket_name())  # no such bucket
    with pytest.raises(S3Error) as error:
        store.read("files/x")
    assert not isinstance(error.value, ObjectMissing)
    assert error.value.code == "NoSuchBucket"


def test_part_size_must_meet_the_s3_minimum(s3_server: S3Server) -> None:
    with pytest.raises(ValueError, match="part_size"):
        S3FileStore(s3_server.client(), "bucket", part_size=5 * MiB - 1)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://docs", ("docs", "")),
        ("s3://docs/", ("docs", "")),
        ("s3://docs/tenant-a", ("docs", "tenant-a")),
        ("s3://docs/a/b/", ("docs", "a/b")),
    ],
)
def test_parse_s3_url(url: str, expected: tuple[str, str]) -> None:
    assert parse_s3_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["s3://", "s3:///prefix", "s3://Bad_Bucket", "s3://docs/../x", "s3://docs?x=1", "file:///x"],
)
def test_parse_s3_url_refuses(url: str) -> None:
    with pytest.raises(ValueError):
        parse_s3_url(url)
