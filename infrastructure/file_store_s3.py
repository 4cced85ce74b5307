"""Objects in an S3 bucket, through the MinIO client."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

from minio import Minio
from minio.commonconfig import CopySource
from minio.datatypes import Part, Upload
from minio.error import S3Error
from minio.helpers import MAX_MULTIPART_COUNT, MAX_PART_SIZE, MIN_PART_SIZE, check_bucket_name
from urllib3 import BaseHTTPResponse

from application.ports import ObjectMissing
from infrastructure.file_store_local import check_key, check_prefix

log = logging.getLogger(__name__)

DEFAULT_PART_SIZE = 8 * 1024 * 1024
_CONTENT_TYPE = "application/octet-stream"
_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchObject"})


def parse_s3_url(url: str) -> tuple[str, str]:
    """Split `s3://bucket` or `s3://bucket/prefix` into (bucket, prefix).

    The prefix comes back without leading or trailing slashes ("" for none).
    Raises ValueError for anything else.
    """
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ValueError("an S3 storage URL must start with s3://")
    if "@" in parts.netloc:
        # Never echo the URL here: it would carry the credentials into logs.
        raise ValueError("an S3 storage URL must not contain credentials")
    if parts.query or parts.fragment:
        raise ValueError("an S3 storage URL takes no query or fragment")
    bucket = parts.netloc
    if not bucket:
        raise ValueError(f"no bucket in {url!r}: expected s3://bucket or s3://bucket/prefix")
    check_bucket_name(bucket, strict=True)
    prefix = parts.path.strip("/")
    if prefix:
        check_key(prefix)
    return bucket, prefix


class S3FileStore:
    """File store in one S3 bucket, optionally below a key prefix.

    Writers stream: they hold at most one part (`part_size`, 8 MiB by default)
    in memory and send each part with a multipart upload as soon as it is full;
    an object smaller than one part goes up with a single PUT on commit.
    Promote is a server-side copy followed by a delete of the source.

    With 10,000 parts at most per upload (an S3 limit) the largest object is
    `part_size * 10_000` (about 78 GiB with the default part size).
    """

    def __init__(
        self,
        client: Minio,
        bucket: str,
        part_size: int = DEFAULT_PART_SIZE,
        *,
        prefix: str = "",
    ) -> None:
        if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
            raise ValueError(
                f"part_size must be between {MIN_PART_SIZE} and {MAX_PART_SIZE} bytes "
                "(S3 refuses smaller parts except the last)"
            )
        prefix = prefix.strip("/")
        if prefix:
            check_key(prefix)
        self._client = client
        self._bucket = bucket
        self._part_size = part_size
        self._prefix = prefix + "/" if prefix else ""

    @classmethod
    def from_url(
        cls,
        url: str,
        endpoint: str,
        access_key: str,
        secret_key: str,
        secure: bool,
        region: str | None,
        *,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> S3FileStore:
        """Connect to `endpoint` (host[:port]) and use `s3://bucket[/prefix]`.

        Creates the bucket when it does not exist yet, so this talks to the
        server and fails if it cannot be reached or refuses the credentials.
        """
        bucket, prefix = parse_s3_url(url)
        client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region or None,
        )
        store = cls(client, bucket, part_size, prefix=prefix)
        store.ensure_bucket(region)
        return store

    @property
    def client(self) -> Minio:
        return self._client

    @property
    def bucket(self) -> str:
        return self._bucket

    @property
    def prefix(self) -> str:
        """The key prefix with its trailing slash, or "" when there is none."""
        return self._prefix

    def ensure_bucket(self, region: str | None = None) -> None:
        """Create the bucket unless it exists already."""
        if self._client.bucket_exists(self._bucket):
            return
        try:
            self._client.make_bucket(self._bucket, location=region or None)
        except S3Error as error:
            # Another process starting at the same moment may have won the race.
            if error.code != "BucketAlreadyOwnedByYou":
                raise

    def object_name(self, key: str) -> str:
        """The name in the bucket that holds `key`."""
        check_key(key)
        return self._prefix + key

    def writer(self, key: str) -> S3ObjectWriter:
        return S3ObjectWriter(self._client, self._bucket, self.object_name(key), self._part_size)

    def promote(self, temporary_key: str, final_key: str) -> None:
        source = self.object_name(temporary_key)
        target = self.object_name(final_key)
        try:
            source_size = self._client.stat_object(self._bucket, source).size
        except S3Error as error:
            if error.code not in _MISSING_CODES:
                raise
            # A retry after a promote that already happened.
            if self.exists(final_key):
                return
            raise ObjectMissing(temporary_key) from None
        # Above 5 GiB a single CopyObject is refused; the client then switches
        # to compose_object (UploadPartCopy in 5 GiB ranges) by itself.
        self._client.copy_object(self._bucket, target, CopySource(self._bucket, source))
        # A copy that went wrong without an error (compatible servers differ in
        # how well they do UploadPartCopy) must not cost the only good object.
        target_size = self._client.stat_object(self._bucket, target).size
        if target_size != source_size:
            with contextlib.suppress(S3Error):
                self._client.remove_object(self._bucket, target)
            raise OSError(
                f"server-side copy of {temporary_key!r} to {final_key!r} produced "
                f"{target_size} bytes instead of {source_size}; source kept"
            )
        self._client.remove_object(self._bucket, source)

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        try:
            response = self._client.get_object(self._bucket, self.object_name(key))
        except S3Error as error:
            if error.code in _MISSING_CODES:
                raise ObjectMissing(key) from None
            raise
        return _ResponseChunks(response, chunk_size)

    def exists(self, key: str) -> bool:
        try:
            self._client.stat_object(self._bucket, self.object_name(key))
        except S3Error as error:
            if error.code in _MISSING_CODES:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        try:
            self._client.remove_object(self._bucket, self.object_name(key))
        except S3Error as error:
            # S3 answers 204 for a missing key; some compatible servers say 404.
            if error.code not in _MISSING_CODES:
                raise

    def list(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Keys starting with `prefix` (plain string prefix), in key order."""
        check_prefix(prefix)
        return self._list(prefix)

    def _list(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        start = len(self._prefix)
        for item in self._client.list_objects(
            self._bucket, prefix=self._prefix + prefix, recursive=True
        ):
            if item.is_dir or item.object_name is None or item.last_modified is None:
                continue
            modified = item.last_modified
            # The client parses the listing's times as UTC; a naive one still means UTC.
            if modified.tzinfo is None:
                modified = modified.replace(tzinfo=UTC)
            yield item.object_name[start:], modified.astimezone(UTC)

    def remove_abandoned(self, before: datetime) -> int:
        """Abort unfinished multipart uploads below this store's prefix whose last part
        (or whose start, without parts) is older than `before`. Their parts are stored
        and billed but invisible to every listing of objects."""
        removed = 0
        key_marker: str | None = None
        upload_id_marker: str | None = None
        while True:
            listing = self._client._list_multipart_uploads(
                self._bucket,
                prefix=self._prefix,
                key_marker=key_marker,
                upload_id_marker=upload_id_marker,
            )
            for upload in listing.uploads:
                if upload.upload_id and self._last_written(upload) < before:
                    with contextlib.suppress(S3Error):  # finished or aborted meanwhile
                        self._client._abort_multipart_upload(
                            self._bucket, upload.object_name, upload.upload_id
                        )
                        removed += 1
            if not listing.is_truncated or not listing.uploads:
                return removed
            key_marker = listing.next_key_marker or listing.uploads[-1].object_name
            # The client keeps this marker under a misspelt attribute name.
            upload_id_marker = getattr(listing, "self._next_upload_id_marker", None) or (
                listing.uploads[-1].upload_id
            )

    def _last_written(self, upload: Upload) -> datetime:
        """When the upload last received a part: an upload in flight keeps adding parts."""
        assert upload.upload_id is not None
        times = [upload.initiated_time] if upload.initiated_time else []
        with contextlib.suppress(S3Error):
            parts = self._client._list_parts(self._bucket, upload.object_name, upload.upload_id)
            times += [part.last_modified for part in parts.parts if part.last_modified]
        if not times:
            return datetime.min.replace(tzinfo=UTC)
        return max(t if t.tzinfo else t.replace(tzinfo=UTC) for t in times)

    def check(self) -> None:
        """Raise unless the bucket answers (S3Error for refused credentials)."""
        if not self._client.bucket_exists(self._bucket):
            raise RuntimeError(f"S3 bucket {self._bucket!r} does not exist")


class S3ObjectWriter:
    """Streams one object to S3, holding at most one part in memory."""

    def __init__(self, client: Minio, bucket: str, object_name: str, part_size: int) -> None:
        self._client = client
        self._bucket = bucket
        self._object_name = object_name
        self._part_size = part_size
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[Part] = []
        self._state = "open"

    def write(self, chunk: bytes) -> None:
        if self._state != "open":
            raise ValueError(f"write to a writer that is {self._state}")
        view = memoryview(chunk)
        try:
            # Slicing the view keeps a large chunk from being copied whole into
            # the buffer: only one part's worth is ever held.
            while view:
                room = self._part_size - len(self._buffer)
                self._buffer += view[:room]
                view = view[room:]
                if len(self._buffer) == self._part_size:
                    self._send_part()
        except BaseException:
            self._abort_quietly()
            raise

    def commit(self) -> None:
        if self._state != "open":
            raise ValueError(f"commit of a writer that is {self._state}")
        try:
            if self._upload_id is None:
                data = bytes(self._buffer)
                self._buffer = bytearray()
                self._client.put_object(
                    self._bucket,
                    self._object_name,
                    io.BytesIO(data),
                    len(data),
                    content_type=_CONTENT_TYPE,
                    # Without it the client picks 5 MiB parts and would turn an
                    # object between 5 MiB and one part into a multipart upload.
                    part_size=self._part_size,
                )
            else:
                if self._buffer:
                    self._send_part()
                self._client._complete_multipart_upload(
                    self._bucket, self._object_name, self._upload_id, self._parts
                )
        except BaseException:
            self._abort_quietly()
            raise
        self._state = "committed"
        self._upload_id = None

    def abort(self) -> None:
        if self._state == "committed":
            return
        self._state = "aborted"
        self._buffer = bytearray()
        if self._upload_id is not None:
            try:
                self._client._abort_multipart_upload(
                    self._bucket, self._object_name, self._upload_id
                )
            except S3Error as error:
                if error.code != "NoSuchUpload":
                    raise
            # Forgotten only once the server has let go of the parts, so that a
            # second abort after a network error tries again.
            self._upload_id = None
            self._parts = []

    def _send_part(self) -> None:
        number = len(self._parts) + 1
        if number > MAX_MULTIPART_COUNT:
            raise ValueError(
                f"object larger than {MAX_MULTIPART_COUNT} parts of {self._part_size} bytes"
            )
        if self._upload_id is None:
            self._upload_id = self._client._create_multipart_upload(
                self._bucket, self._object_name, {"Content-Type": _CONTENT_TYPE}
            )
        data = bytes(self._buffer)
        # Dropped before the upload so the copy above is the only full part alive.
        self._buffer = bytearray()
        etag = self._client._upload_part(
            self._bucket, self._object_name, data, None, self._upload_id, number
        )
        self._parts.append(Part(number, etag))

    def _abort_quietly(self) -> None:
        # Used while another exception is on its way up: that one matters more.
        try:
            self.abort()
        except Exception:
            log.warning(
                "could not abort the multipart upload of %s/%s; "
                "a lifecycle rule for incomplete uploads has to clean it up",
                self._bucket,
                self._object_name,
                exc_info=True,
            )


class _ResponseChunks(Iterator[bytes]):
    """Chunks of a GET response; closes the connection when done or closed."""

    def __init__(self, response: BaseHTTPResponse, chunk_size: int) -> None:
        self._response = response
        self._chunks: Iterator[bytes] = response.stream(chunk_size)
        self._closed = False

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._response.close()
            self._response.release_conn()

    def __del__(self) -> None:
        self.close()
