"""Files at rest, encrypted with a key of their customer, in authenticated segments.

The format follows Tink's AES-GCM-HKDF streaming AEAD (and age's STREAM):

    header:  MAGIC (4) | salt (32) | nonce prefix (7)
    then:    segments of 64 KiB plaintext, each AES-256-GCM with its own 16-byte tag

The file key is derived with HKDF-SHA256 from the customer's data key, the random
salt and the object's name (its file id), so no file key is stored anywhere and
destroying the customer's key erases every file of the customer. Segment i has the
nonce `prefix | i (4 bytes) | last (1 byte)`: a truncated, reordered, shortened or
altered file fails to decrypt, and an object moved to another file's name fails as
well. Decrypted bytes are handed out only a whole authenticated segment at a time,
so a damaged file stops with `FileCorrupted`, never with wrong bytes.

Memory stays flat: one segment on the way in, one chunk plus one segment out.
Objects are written through the wrapped store's writer, so an interrupted upload
leaves at most a header and whole segments under a temporary key, which no reader
accepts (the last segment is missing) and the sweeper removes.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Iterator
from datetime import datetime
from itertools import chain
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.ports import FileCorrupted, FileStore, ObjectWriter
from infrastructure.customer_keys import CustomerErased, CustomerKeys

MAGIC = b"DIF1"
SALT_BYTES = 32
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + SALT_BYTES + PREFIX_BYTES
SEGMENT = 64 * 1024
TAG = 16


def object_name(key: str) -> str:
    """The part of a key that stays when an object moves (`incoming/X` -> `files/X`)."""
    return key.rsplit("/", 1)[-1]


def _file_cipher(customer_key: bytes, customer_id: UUID, key: str, salt: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=salt,
        info=b"docintake file v1|" + customer_id.bytes + b"|" + object_name(key).encode(),
    ).derive(customer_key)
    return AESGCM(derived)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


class _SealingWriter:
    """Encrypts while the bytes stream through; the last segment is sealed at commit."""

    def __init__(self, inner: ObjectWriter, cipher: AESGCM, header: bytes) -> None:
        self.inner = inner
        self.cipher = cipher
        self.prefix = header[-PREFIX_BYTES:]
        self.pending = bytearray()
        self.index = 0
        self.inner.write(header)

    def write(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            if len(self.pending) == SEGMENT:
                self._seal(last=False)
            take = min(SEGMENT - len(self.pending), len(view))
            self.pending += view[:take]
            view = view[take:]

    def _seal(self, *, last: bool) -> None:
        nonce = _nonce(self.prefix, self.index, last)
        self.inner.write(self.cipher.encrypt(nonce, bytes(self.pending), None))
        self.pending = bytearray()
        self.index += 1

    def commit(self) -> None:
        self._seal(last=True)
        self.inner.commit()

    def abort(self) -> None:
        self.pending = bytearray()
        self.inner.abort()


def _opened(
    stream: Iterator[bytes], customer_key: bytes, customer_id: UUID, key: str
) -> Iterator[bytes]:
    buffer = bytearray()
    for chunk in stream:
        buffer += chunk
        if len(buffer) >= HEADER_BYTES:
            break
    if len(buffer) < HEADER_BYTES or not buffer.startswith(MAGIC):
        raise FileCorrupted(f"{key}: not an encrypted object of this service")
    salt = bytes(buffer[len(MAGIC) : len(MAGIC) + SALT_BYTES])
    prefix = bytes(buffer[len(MAGIC) + SALT_BYTES : HEADER_BYTES])
    del buffer[:HEADER_BYTES]
    cipher = _file_cipher(customer_key, customer_id, key, salt)
    sealed = SEGMENT + TAG
    index = 0

    def open_segment(data: bytes, last: bool) -> bytes:
        try:
            return cipher.decrypt(_nonce(prefix, index, last), data, None)
        except InvalidTag:
            raise FileCorrupted(
                f"{key}: segment {index} does not authenticate (truncated, reordered or altered)"
            ) from None

    for chunk in chain([b""], stream):
        buffer += chunk
        # A segment is known not to be the last once more bytes follow it.
        while len(buffer) > sealed:
            yield open_segment(bytes(buffer[:sealed]), last=False)
            del buffer[:sealed]
            index += 1
    if len(buffer) < TAG:
        raise FileCorrupted(f"{key}: the last segment is missing (truncated)")
    yield open_segment(bytes(buffer), last=True)


class CustomerFileStore:
    """The file store as one customer's files see it: sealed with that customer's key."""

    def __init__(self, inner: FileStore, keys: CustomerKeys, customer_id: UUID) -> None:
        self.inner = inner
        self.keys = keys
        self.customer_id = customer_id

    def _customer_key(self) -> bytes:
        data_key = self.keys.key_for(self.customer_id)
        if data_key is None:
            raise CustomerErased(f"customer {self.customer_id} is erased")
        return data_key.key

    def writer(self, key: str) -> ObjectWriter:
        salt = secrets.token_bytes(SALT_BYTES)
        header = MAGIC + salt + secrets.token_bytes(PREFIX_BYTES)
        cipher = _file_cipher(self._customer_key(), self.customer_id, key, salt)
        return _SealingWriter(self.inner.writer(key), cipher, header)

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """The decrypted bytes; the first segment is checked before this returns, so a
        damaged small file fails here rather than in the middle of a response."""
        customer_key = self._customer_key()
        plain = _opened(self.inner.read(key, chunk_size), customer_key, self.customer_id, key)
        first = next(plain)
        return chain([first], plain)

    def promote(self, temporary_key: str, final_key: str) -> None:
        self.inner.promote(temporary_key, final_key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def list(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        return self.inner.list(prefix)

    def remove_abandoned(self, before: datetime) -> int:
        return self.inner.remove_abandoned(before)

    def check(self) -> None:
        self.inner.check()


class EncryptingFileStore:
    """The service's file store: bytes go in and out only through a customer's view.

    Moving, listing and deleting need no key and pass straight through.
    """

    def __init__(self, inner: FileStore, keys: CustomerKeys) -> None:
        self.inner = inner
        self.keys = keys

    def for_customer(self, customer_id: UUID) -> FileStore:
        return CustomerFileStore(self.inner, self.keys, customer_id)

    def writer(self, key: str) -> ObjectWriter:
        raise RuntimeError("a file is written for a customer: use for_customer(id).writer")

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        raise RuntimeError("a file is read for a customer: use for_customer(id).read")

    def promote(self, temporary_key: str, final_key: str) -> None:
        self.inner.promote(temporary_key, final_key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def list(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        return self.inner.list(prefix)

    def remove_abandoned(self, before: datetime) -> int:
        return self.inner.remove_abandoned(before)

    def check(self) -> None:
        self.inner.check()
