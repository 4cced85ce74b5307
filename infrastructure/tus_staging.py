"""Where resumable (tus) uploads wait until their last byte: encrypted, appended, fsynced.

One folder per upload below `DATA_DIR/tus/`:

    meta      the upload's description (file name, size, link, ...) sealed as one record
    data      the bytes received so far, as sealed records
    offset    "OFFSET SIZE": bytes acknowledged and the length of `data` that holds them,
              replaced atomically only after `data` was fsynced

A record is `length (4) | nonce (12) | AES-256-GCM(plaintext)` with the upload's id and
the record's offset as associated data, under a key derived (HKDF) from the customer's
data key and the upload's id: a record moved, reordered or altered does not open, and
erasing the customer makes its staged bytes unreadable. Bytes past the acknowledged
size (a request cut off, a checksum refused, a crash) are cut off before the next
append. The staging is local to the machine: a resumed upload must reach the same
machine (one API host, or sticky routing by upload path).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.resumable_uploads import StagedUpload, StagingBusy, StagingMissing

HEADER = struct.Struct(">I")
NONCE_BYTES = 12
TAG_BYTES = 16
#: Plaintext per record: a request's bytes are sealed and written this much at a time.
RECORD_BYTES = 1024 * 1024


def _associated(upload_id: UUID, offset: int) -> bytes:
    return upload_id.bytes + struct.pack(">Q", offset)


class TusStaging:
    """The staging store of resumable uploads on this machine's disk."""

    def __init__(self, root: Path, customer_key: Callable[[UUID], bytes]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.customer_key = customer_key

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
        (folder / "data").touch()
        self._write_durably(folder / "offset", b"0 0")
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
        return StagedUpload.from_json(json.loads(plain))

    def offset(self, upload_id: UUID) -> int:
        return self._acknowledged(upload_id)[0]

    def _acknowledged(self, upload_id: UUID) -> tuple[int, int]:
        try:
            text = (self._folder(upload_id) / "offset").read_text()
        except FileNotFoundError:
            raise StagingMissing(str(upload_id)) from None
        offset, size = text.split()
        return int(offset), int(size)

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
            offset, size = self._acknowledged(upload_id)
            handle.truncate(size)
            handle.seek(size)
            appender = Appender(
                self, handle, self._cipher(upload.customer_id, upload_id), upload_id, offset
            )
            try:
                yield appender
            finally:
                handle.truncate(appender.committed_size)
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _acknowledge(self, upload_id: UUID, offset: int, size: int) -> None:
        self._write_durably(self._folder(upload_id) / "offset", f"{offset} {size}".encode())

    # Reading ------------------------------------------------------------------------

    def read(self, upload_id: UUID) -> Iterator[bytes]:
        """The acknowledged bytes, decrypted and checked record by record."""
        upload = self.describe(upload_id)
        cipher = self._cipher(upload.customer_id, upload_id)
        offset_end, size = self._acknowledged(upload_id)
        with (self._folder(upload_id) / "data").open("rb") as handle:
            position, offset = 0, 0
            while position < size:
                (length,) = HEADER.unpack(handle.read(HEADER.size))
                nonce = handle.read(NONCE_BYTES)
                sealed = handle.read(length + TAG_BYTES)
                plain = cipher.decrypt(nonce, sealed, _associated(upload_id, offset))
                position += HEADER.size + NONCE_BYTES + length + TAG_BYTES
                offset += len(plain)
                yield plain
        if offset != offset_end:
            raise ValueError(f"staged upload {upload_id}: {offset} bytes, not {offset_end}")

    def head(self, upload_id: UUID, size: int) -> bytes:
        """The first `size` acknowledged bytes (to tell the file's type)."""
        taken = bytearray()
        for chunk in self.read(upload_id):
            taken += chunk
            if len(taken) >= size:
                break
        return bytes(taken[:size])

    # Removing -----------------------------------------------------------------------

    def delete(self, upload_id: UUID) -> None:
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
    """Seals one request's bytes into the staging file; `commit` makes them count."""

    def __init__(
        self, staging: TusStaging, handle: object, cipher: AESGCM, upload_id: UUID, offset: int
    ) -> None:
        self.staging = staging
        self.handle = handle
        self.cipher = cipher
        self.upload_id = upload_id
        self.committed_offset = offset
        self.offset = offset
        self.committed_size = handle.tell()  # type: ignore[attr-defined]
        self.pending = bytearray()

    def write(self, chunk: bytes) -> None:
        self.pending += chunk
        while len(self.pending) >= RECORD_BYTES:
            self._seal(bytes(self.pending[:RECORD_BYTES]))
            del self.pending[:RECORD_BYTES]

    def _seal(self, plain: bytes) -> None:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self.cipher.encrypt(nonce, plain, _associated(self.upload_id, self.offset))
        self.handle.write(HEADER.pack(len(plain)) + nonce + sealed)  # type: ignore[attr-defined]
        self.offset += len(plain)

    def commit(self) -> int:
        """Seal what is pending, fsync, and acknowledge: returns the new offset."""
        if self.pending:
            self._seal(bytes(self.pending))
            self.pending = bytearray()
        self.handle.flush()  # type: ignore[attr-defined]
        os.fsync(self.handle.fileno())  # type: ignore[attr-defined]
        size = self.handle.tell()  # type: ignore[attr-defined]
        self.staging._acknowledge(self.upload_id, self.offset, size)
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
