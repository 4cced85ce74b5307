"""Where resumable (tus) uploads wait until their last byte: encrypted, appended, fsynced.

One folder per upload below `DATA_DIR/tus/`:

    meta      the upload's description (file name, size, link, ...) sealed as one record
    data      the bytes received so far, already in the format of a stored object
              (`infrastructure.encrypted_file_store`: header, 64 KiB segments sealed under
              the file's own key, derived from the customer's data key, a random salt and
              the file id the upload will be recorded under)
    offset    "OFFSET SIZE" and, sealed, the bytes of a segment not yet full (at most
              64 KiB): bytes acknowledged, the length of `data` that holds the whole
              segments among them; replaced atomically only after `data` was fsynced

The segment holding the upload's last byte is sealed as the last one when that byte
arrives, so the finished `data` is the stored object itself: it is handed to the file
store as it is (on local storage a hard link into place, on S3 a streamed upload of the
sealed bytes), never decrypted and written again. The unfinished segment in `offset` is
sealed (AES-256-GCM) under a key derived (HKDF) from the customer's data key and the
upload's id, with the upload's id and the segment's offset as associated data. Erasing
the customer makes every staged byte unreadable. Bytes past the acknowledged size (a
request cut off, a checksum refused, a crash) are cut off before the next append. The
staging is local to the machine: a resumed upload must reach the same machine (one API
host, or sticky routing by upload path).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.ports import FileStore
from application.resumable_uploads import StagedUpload, StagingBusy, StagingMissing
from infrastructure.encrypted_file_store import (
    HEADER_BYTES,
    MAGIC,
    PREFIX_BYTES,
    SALT_BYTES,
    SEGMENT,
    TAG,
    _file_cipher,
    _nonce,
)
from infrastructure.file_store_local import LocalFileStore

NONCE_BYTES = 12
SEALED_SEGMENT = SEGMENT + TAG
#: Whole-file digests kept between the requests of an upload (per process; a digest
#: not here is computed again from the staged bytes when the upload finishes).
DIGESTS_KEPT = 4096
COPY_BYTES = 1024 * 1024


def _associated(upload_id: UUID, offset: int) -> bytes:
    return upload_id.bytes + struct.pack(">Q", offset)


class TusStaging:
    """The staging store of resumable uploads on this machine's disk.

    `store`: the file store below the encryption layer, where a finished upload's sealed
    bytes go as they are; None (the benchmark's figure before encryption) hands the
    decrypted bytes to the upload use case instead.
    """

    def __init__(
        self, root: Path, customer_key: Callable[[UUID], bytes], store: FileStore | None = None
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.customer_key = customer_key
        self.store = store
        self._digests: dict[UUID, tuple[int, Any]] = {}
        self._digests_lock = threading.Lock()

    def _folder(self, upload_id: UUID) -> Path:
        return self.root / upload_id.hex

    def _cipher(self, customer_id: UUID, upload_id: UUID) -> AESGCM:
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"docintake tus v1|" + customer_id.bytes + b"|" + upload_id.bytes,
        ).derive(self.customer_key(customer_id))
        return AESGCM(key)

    def _file_cipher(self, upload: StagedUpload, header: bytes) -> AESGCM:
        salt = header[len(MAGIC) : len(MAGIC) + SALT_BYTES]
        return _file_cipher(
            self.customer_key(upload.customer_id), upload.customer_id, str(upload.file_id), salt
        )

    # Creating and describing -------------------------------------------------------

    def create(self, upload: StagedUpload) -> None:
        folder = self._folder(upload.upload_id)
        folder.mkdir()
        cipher = self._cipher(upload.customer_id, upload.upload_id)
        nonce = secrets.token_bytes(NONCE_BYTES)
        described = json.dumps(asdict(upload), default=str).encode()
        sealed = nonce + cipher.encrypt(nonce, described, upload.upload_id.bytes)
        (folder / "customer").write_text(str(upload.customer_id))
        self._write_durably(folder / "meta", sealed)
        header = MAGIC + secrets.token_bytes(SALT_BYTES) + secrets.token_bytes(PREFIX_BYTES)
        self._write_durably(folder / "data", header)
        self._write_durably(folder / "offset", f"0 {HEADER_BYTES}\n".encode())
        _fsync_dir(folder)

    def describe(self, upload_id: UUID) -> StagedUpload:
        folder = self._folder(upload_id)
        try:
            customer_id = UUID((folder / "customer").read_text())
            sealed = (folder / "meta").read_bytes()
        except (FileNotFoundError, ValueError):
            raise StagingMissing(str(upload_id)) from None
        cipher = self._cipher(customer_id, upload_id)
        plain = cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], upload_id.bytes)
        described = json.loads(plain)
        if "file_id" not in described:
            # Staged by an earlier version in another format: the client starts again
            # (404 on HEAD and PATCH); the sweep removes the folder at its expiry.
            raise StagingMissing(str(upload_id))
        return StagedUpload.from_json(described)

    def offset(self, upload_id: UUID) -> int:
        return self._acknowledged(upload_id)[0]

    def _acknowledged(self, upload_id: UUID) -> tuple[int, int, bytes]:
        """Bytes acknowledged, the length of `data` holding their whole segments, and the
        sealed rest (nonce and ciphertext; empty when there is none)."""
        try:
            content = (self._folder(upload_id) / "offset").read_bytes()
        except FileNotFoundError:
            raise StagingMissing(str(upload_id)) from None
        line, _, sealed_tail = content.partition(b"\n")
        offset, size = line.split()
        return int(offset), int(size), sealed_tail

    def _tail(self, upload: StagedUpload, size: int, sealed: bytes) -> bytes:
        """The acknowledged bytes of the segment not yet full (`size`: the length of `data`,
        whole segments only while the upload is unfinished)."""
        if not sealed:
            return b""
        start = (size - HEADER_BYTES) // SEALED_SEGMENT * SEGMENT
        cipher = self._cipher(upload.customer_id, upload.upload_id)
        return cipher.decrypt(
            sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _associated(upload.upload_id, start)
        )

    # Appending ----------------------------------------------------------------------

    @contextlib.contextmanager
    def appending(self, upload_id: UUID) -> Iterator[Appender]:
        """Hold the upload for one request's bytes (another request at the same time gets
        `StagingBusy`); what the request does not `commit` is cut off again."""
        folder = self._folder(upload_id)
        upload = self.describe(upload_id)
        try:
            handle = (folder / "data").open("r+b")
        except FileNotFoundError:
            raise StagingMissing(str(upload_id)) from None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StagingBusy(str(upload_id)) from None
            offset, size, sealed_tail = self._acknowledged(upload_id)
            header = handle.read(HEADER_BYTES)
            handle.truncate(size)
            handle.seek(size)
            appender = Appender(
                self,
                handle,
                upload,
                self._file_cipher(upload, header),
                header[-PREFIX_BYTES:],
                offset,
                self._tail(upload, size, sealed_tail),
                self._kept_digest(upload_id, offset),
            )
            try:
                yield appender
            finally:
                handle.truncate(appender.committed_size)
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _acknowledge(self, upload: StagedUpload, offset: int, size: int, tail: bytes) -> None:
        sealed = b""
        if tail:
            cipher = self._cipher(upload.customer_id, upload.upload_id)
            nonce = secrets.token_bytes(NONCE_BYTES)
            start = offset - len(tail)
            sealed = nonce + cipher.encrypt(nonce, tail, _associated(upload.upload_id, start))
        path = self._folder(upload.upload_id) / "offset"
        self._write_durably(path, f"{offset} {size}\n".encode() + sealed)

    def _kept_digest(self, upload_id: UUID, offset: int) -> Any:
        """The SHA-256 of the first `offset` bytes, if this process followed them all."""
        if offset == 0:
            return hashlib.sha256()
        with self._digests_lock:
            kept = self._digests.get(upload_id)
        return kept[1].copy() if kept and kept[0] == offset else None

    def _keep_digest(self, upload_id: UUID, offset: int, digest: Any) -> None:
        with self._digests_lock:
            self._digests.pop(upload_id, None)
            if digest is None:
                return
            while len(self._digests) >= DIGESTS_KEPT:
                del self._digests[next(iter(self._digests))]
            self._digests[upload_id] = (offset, digest.copy())

    # Reading ------------------------------------------------------------------------

    def read(self, upload_id: UUID) -> Iterator[bytes]:
        """The acknowledged bytes, decrypted and checked segment by segment."""
        upload = self.describe(upload_id)
        offset_end, size, sealed_tail = self._acknowledged(upload_id)
        finished = offset_end == upload.length
        with (self._folder(upload_id) / "data").open("rb") as handle:
            header = handle.read(HEADER_BYTES)
            if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
                raise ValueError(f"staged upload {upload_id}: no header")
            cipher = self._file_cipher(upload, header)
            prefix = header[-PREFIX_BYTES:]
            position, offset, index = HEADER_BYTES, 0, 0
            while position < size:
                sealed = handle.read(min(SEALED_SEGMENT, size - position))
                last = finished and position + len(sealed) >= size
                plain = cipher.decrypt(_nonce(prefix, index, last), sealed, None)
                position += len(sealed)
                offset += len(plain)
                index += 1
                yield plain
        tail = b"" if finished else self._tail(upload, size, sealed_tail)
        if tail:
            yield tail
        if offset + len(tail) != offset_end:
            raise ValueError(f"staged upload {upload_id}: {offset} bytes, not {offset_end}")

    def head(self, upload_id: UUID, size: int) -> bytes:
        """The first `size` acknowledged bytes (to tell the file's type)."""
        taken = bytearray()
        for chunk in self.read(upload_id):
            taken += chunk
            if len(taken) >= size:
                break
        return bytes(taken[:size])

    # Handing over -------------------------------------------------------------------

    def deliver(self, upload_id: UUID, key: str) -> str | None:
        """Put the finished upload's sealed bytes under `key` of the file store as they
        are; returns the SHA-256 (hex) of the plaintext, or None when this staging has no
        file store of its own (then nothing was put)."""
        if self.store is None:
            return None
        upload = self.describe(upload_id)
        offset, size, _ = self._acknowledged(upload_id)
        if offset != upload.length:
            raise ValueError(f"staged upload {upload_id} is not finished ({offset} bytes)")
        with self._digests_lock:
            kept = self._digests.get(upload_id)
        if kept and kept[0] == offset:
            sha256 = kept[1].hexdigest()
        else:
            digest = hashlib.sha256()
            for chunk in self.read(upload_id):
                digest.update(chunk)
            sha256 = digest.hexdigest()
        data = self._folder(upload_id) / "data"
        if isinstance(self.store, LocalFileStore):
            self.store.adopt(key, data, size)
        else:
            writer = self.store.writer(key)
            try:
                with data.open("rb") as handle:
                    remaining = size
                    while remaining:
                        chunk = handle.read(min(COPY_BYTES, remaining))
                        if not chunk:
                            raise ValueError(f"staged upload {upload_id} is shorter than {size}")
                        writer.write(chunk)
                        remaining -= len(chunk)
                writer.commit()
            except BaseException:
                writer.abort()
                raise
        return sha256

    # Removing -----------------------------------------------------------------------

    def delete(self, upload_id: UUID) -> None:
        with self._digests_lock:
            self._digests.pop(upload_id, None)
        shutil.rmtree(self._folder(upload_id), ignore_errors=True)

    def expired(self, now: float) -> list[UUID]:
        """Uploads past their expiry (by the time in their folder's `expires` file)."""
        found = []
        for folder in self.root.iterdir():
            try:
                upload_id = UUID(hex=folder.name)
                expires = float((folder / "expires").read_text())
            except (ValueError, FileNotFoundError, NotADirectoryError):
                continue
            if expires <= now:
                found.append(upload_id)
        return found

    def set_expiry(self, upload_id: UUID, expires_at: float) -> None:
        (self._folder(upload_id) / "expires").write_text(repr(expires_at))

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise OSError(f"{self.root} is not writable")

    @staticmethod
    def _write_durably(path: Path, content: bytes) -> None:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        with temporary.open("wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)


class Appender:
    """Seals one request's bytes into the staging file, whole segments as they fill;
    `commit` makes them count."""

    def __init__(
        self,
        staging: TusStaging,
        handle: IO[bytes],
        upload: StagedUpload,
        cipher: AESGCM,
        prefix: bytes,
        offset: int,
        tail: bytes,
        digest: Any,
    ) -> None:
        self.staging = staging
        self.handle = handle
        self.upload = upload
        self.cipher = cipher
        self.prefix = prefix
        self.committed_offset = offset
        self.offset = offset
        self.committed_size = handle.tell()
        self.index = (self.committed_size - HEADER_BYTES) // SEALED_SEGMENT
        self.pending = bytearray(tail)
        self.digest = digest

    def write(self, chunk: bytes) -> None:
        self.offset += len(chunk)
        if self.digest is not None:
            self.digest.update(chunk)
        self.pending += chunk
        whole = len(self.pending) // SEGMENT
        # The segment that ends with the file's last byte is sealed as the last one.
        if whole and (self.index + whole) * SEGMENT >= self.upload.length:
            whole -= 1
        if whole:
            self._seal(whole)

    def _seal(self, count: int) -> None:
        sealed = bytearray()
        with memoryview(self.pending) as view:
            for number in range(count):
                nonce = _nonce(self.prefix, self.index, False)
                with view[number * SEGMENT : (number + 1) * SEGMENT] as plain:
                    sealed += self.cipher.encrypt(nonce, plain, None)
                self.index += 1
        del self.pending[: count * SEGMENT]
        self.handle.write(sealed)

    def commit(self) -> int:
        """Seal the last segment once the last byte is here, fsync, and acknowledge:
        returns the new offset."""
        if self.offset == self.upload.length and self.pending:
            nonce = _nonce(self.prefix, self.index, True)
            self.handle.write(self.cipher.encrypt(nonce, bytes(self.pending), None))
            self.index += 1
            self.pending = bytearray()
        self.handle.flush()
        os.fsync(self.handle.fileno())
        size = self.handle.tell()
        self.staging._acknowledge(self.upload, self.offset, size, bytes(self.pending))
        self.staging._keep_digest(self.upload.upload_id, self.offset, self.digest)
        self.committed_offset, self.committed_size = self.offset, size
        return self.offset


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def now() -> float:
    return time.time()
