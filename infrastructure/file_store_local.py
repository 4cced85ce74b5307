"""Objects as files below one directory: the file store for a single machine."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from application.ports import ObjectMissing

# S3 refuses longer keys; keeping the same limit here means a key that works on
# one store works on the other.
MAX_KEY_BYTES = 1024


def check_key(key: str) -> None:
    """Raise ValueError unless `key` is a safe, portable object key.

    Keys look like `incoming/<uuid>`: parts joined by `/`, none of them empty,
    `.` or `..`, and none starting with `.` (the local store keeps its temporary
    files under such names). Both stores apply these rules so that a key means
    the same thing on disk and in a bucket.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("object key must be a non-empty string")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise ValueError(f"object key longer than {MAX_KEY_BYTES} bytes")
    if key.startswith("/"):
        raise ValueError(f"object key must be relative, got {key!r}")
    if "\\" in key or any(ord(c) < 32 or ord(c) == 127 for c in key):
        raise ValueError(f"object key contains a backslash or control character: {key!r}")
    for part in key.split("/"):
        if not part:
            raise ValueError(f"object key has an empty part: {key!r}")
        if part.startswith("."):
            raise ValueError(f"object key part may not start with '.': {key!r}")


def check_prefix(prefix: str) -> None:
    """Raise ValueError unless `prefix` is empty or the start of a valid key."""
    if prefix:
        # A trailing slash ("incoming/") is the usual way to list a "folder".
        check_key(prefix.removesuffix("/"))


class LocalFileStore:
    """File store on the local file system: one file per key below `root`.

    The key `files/<uuid>` is the file `root/files/<uuid>`. A writer fills a
    hidden temporary file next to its target and renames it into place on
    commit, so readers never see part of an object, not even after a crash.
    """

    def __init__(self, root: Path) -> None:
        self._root = Path(root)
        self._root.mkdir(parents=True, exist_ok=True)

    @property
    def root(self) -> Path:
        return self._root

    def _path(self, key: str) -> Path:
        check_key(key)
        return self._root.joinpath(*key.split("/"))

    def writer(self, key: str) -> LocalObjectWriter:
        return LocalObjectWriter(self._path(key))

    def promote(self, temporary_key: str, final_key: str) -> None:
        source = self._path(temporary_key)
        target = self._path(final_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)
        except FileNotFoundError:
            # A retry after a promote that already happened: the outcome the
            # caller wants is in place.
            if target.is_file():
                return
            raise ObjectMissing(temporary_key) from None
        # The rename is only durable once both directory entries are on disk.
        _fsync_directory(target.parent)
        if source.parent != target.parent:
            _fsync_directory(source.parent)

    def adopt(self, key: str, source: Path, size: int) -> None:
        """Put the first `size` bytes of the fsynced file `source` under `key` as they are:
        hard-linked (same file system) or copied to a hidden name next to the target, then
        renamed into place, so `key` holds all of them or nothing, even after a crash.
        `source` is not changed afterwards by its owner (it is removed)."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            if source.stat().st_size != size:
                raise ValueError(f"{source} holds {source.stat().st_size} bytes, not {size}")
            try:
                os.link(source, temporary)
            except OSError:  # another file system, or no hard links there
                with source.open("rb") as reading, temporary.open("xb") as writing:
                    remaining = size
                    while remaining and (chunk := reading.read(min(1024 * 1024, remaining))):
                        writing.write(chunk)
                        remaining -= len(chunk)
                    writing.flush()
                    os.fsync(writing.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _fsync_directory(target.parent)

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        path = self._path(key)
        # Opened here rather than inside the generator so that a missing object
        # raises at the call, before a caller commits to sending a response.
        try:
            file = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectMissing(key) from None
        return _file_chunks(file, chunk_size)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        # A directory at that path is not an object, so there is nothing to delete.
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            path.unlink()

    def list(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Keys starting with `prefix` (plain string prefix, as in S3), in no set order."""
        check_prefix(prefix)
        return self._walk(prefix)

    def _walk(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        folder, _, _ = prefix.rpartition("/")
        start = self._root.joinpath(*folder.split("/")) if folder else self._root
        for directory, subdirectories, files in os.walk(start):
            relative = Path(directory).relative_to(self._root).as_posix()
            base = "" if relative == "." else relative + "/"
            # Skip folders that cannot hold a matching key: a prefix ending
            # inside a name ("incoming/ab") must not walk every sibling.
            subdirectories[:] = sorted(
                name
                for name in subdirectories
                if not name.startswith(".") and _may_match(base + name + "/", prefix)
            )
            for name in sorted(files):
                key = base + name
                if name.startswith(".") or not key.startswith(prefix):
                    continue
                try:
                    modified = os.stat(os.path.join(directory, name)).st_mtime
                except FileNotFoundError:
                    continue  # deleted while we were listing
                yield key, datetime.fromtimestamp(modified, tz=UTC)

    def remove_abandoned(self, before: datetime) -> int:
        """Delete hidden files (writers' `.NAME.HEX.tmp`, probes) last written before
        `before`: a writer that is still open keeps touching its file."""
        removed = 0
        cutoff = before.timestamp()
        for directory, subdirectories, files in os.walk(self._root):
            subdirectories.sort()
            for name in files:
                if not name.startswith("."):
                    continue
                path = os.path.join(directory, name)
                try:
                    if os.stat(path).st_mtime >= cutoff:
                        continue
                    os.unlink(path)
                except FileNotFoundError:
                    continue  # committed, aborted or removed meanwhile
                removed += 1
        return removed

    def check(self) -> None:
        """Raise OSError unless a file can be created in the root directory."""
        with tempfile.NamedTemporaryFile(dir=self._root, prefix=".check-") as probe:
            probe.write(b"ok")
            probe.flush()


class LocalObjectWriter:
    """Writes one object to a hidden temporary file and renames it on commit."""

    def __init__(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        self._target = target
        self._temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        self._file: BinaryIO | None = self._temporary.open("xb")
        self._state = "open"

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            raise ValueError(f"write to a writer that is {self._state}")
        self._file.write(chunk)

    def commit(self) -> None:
        if self._file is None:
            raise ValueError(f"commit of a writer that is {self._state}")
        try:
            self._file.flush()
            # Without the fsync a crash soon after the rename can leave the
            # final name pointing at an empty or partial file.
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            os.replace(self._temporary, self._target)
        except BaseException:
            self.abort()
            raise
        # From here on the object is visible: a later abort must not touch it.
        self._state = "committed"
        _fsync_directory(self._target.parent)

    def abort(self) -> None:
        if self._state != "open":
            return
        self._state = "aborted"
        if self._file is not None:
            self._file.close()
            self._file = None
        self._temporary.unlink(missing_ok=True)


def _may_match(folder: str, prefix: str) -> bool:
    return folder.startswith(prefix) or prefix.startswith(folder)


def _file_chunks(file: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    with file:
        while chunk := file.read(chunk_size):
            yield chunk


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
