"""The master key: it wraps every customer's data key and nothing else.

It comes from `DOCINTAKE_MASTER_KEY` (base64 of 32 random bytes). In embedded mode
(no database URL) a missing key is generated once into `DATA_DIR/master.key`
(mode 0600); with a database URL the process refuses to start without it, since a
key generated on one server would leave every other server unable to read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)

log = logging.getLogger(__name__)

KEY_BYTES = 32
KEY_FILE = "master.key"


class MasterKeyError(Exception):
    """The master key is missing, malformed or does not open the key table."""


class MasterKey:
    """A 256-bit key-encryption key (AES key wrap, RFC 3394). Never printed."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"must be {KEY_BYTES} bytes, not {len(key)}")
        self._key = key

    @classmethod
    def parse(cls, text: str) -> MasterKey:
        """From base64 text (what the environment variable holds)."""
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                "must be base64 of 32 random bytes (openssl rand -base64 32)"
            ) from None
        if len(raw) != KEY_BYTES:
            raise ValueError(
                f"must be base64 of 32 random bytes, not of {len(raw)} (openssl rand -base64 32)"
            )
        return cls(raw)

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    def encoded(self) -> str:
        return base64.b64encode(self._key).decode()

    @property
    def fingerprint(self) -> str:
        """A short public name of this key (stored beside what it wraps; reveals nothing)."""
        return hmac.new(self._key, b"docintake master key id", hashlib.sha256).hexdigest()[:16]

    def wrap(self, data_key: bytes) -> bytes:
        return aes_key_wrap(self._key, data_key)

    def unwrap(self, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap(self._key, wrapped)
        except InvalidUnwrap:
            raise MasterKeyError("the master key does not open this data key") from None

    def __repr__(self) -> str:
        return "MasterKey(…)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MasterKey) and hmac.compare_digest(self._key, other._key)

    def __hash__(self) -> int:
        return hash(self.fingerprint)


def embedded_master_key(data_dir: Path) -> MasterKey:
    """The key in `DATA_DIR/master.key`, generated (and announced once) if there is none."""
    path = data_dir / KEY_FILE
    if path.exists():
        try:
            return MasterKey.parse(path.read_text())
        except ValueError as error:
            raise MasterKeyError(f"{path}: {error}") from None
    data_dir.mkdir(parents=True, exist_ok=True)
    key = MasterKey.generate()
    write_key_file(path, key.encoded())
    log.warning(
        "generated a new master key in %s: back it up apart from the data;"
        " without it nothing encrypted can be read",
        path,
    )
    return key


def write_key_file(path: Path, text: str) -> None:
    """Write a secret file readable by its owner only, appearing whole or not at all."""
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(text + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
