"""Locks that keep two workers off the same job: released the moment their holder dies.

A job delivered twice at the same time (a message handed to a second worker
while the first still works on it, a policy that queued it again) must not mail
twice: whoever holds the job's lock does it, the other comes back later and
finds it done. A lease-like expiry would make a job whose worker was killed wait
for the expiry; these locks belong to a database connection (PostgreSQL) or an
open file (embedded mode), which the server or the kernel frees with the process.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infrastructure.database import PostgresDatabase

#: The first half of docintake's job-lock keys ("jobs"), apart from the leases' "doci".
JOB_LOCK_NAMESPACE = 0x6A6F6273
#: Embedded mode locks one of this many files per key: two keys may share one (the
#: second job then simply comes back a moment later), and the folder stays small.
FILE_STRIPES = 1024


def _key(key: str) -> int:
    return zlib.crc32(key.encode()) & 0x7FFFFFFF


class PostgresJobLocks:
    """A transaction-scoped advisory lock, held in an open transaction for the block."""

    def __init__(self, database: PostgresDatabase) -> None:
        self.database = database

    @contextmanager
    def exclusive(self, key: str) -> Iterator[bool]:
        with self.database.transaction() as tx:
            row = tx.fetchone(
                "SELECT pg_try_advisory_xact_lock(%s, %s) AS held",
                (JOB_LOCK_NAMESPACE, _key(key)),
            )
            yield bool(row and row["held"])


class FileJobLocks:
    """An exclusive `flock` on a file under `folder` (embedded mode: one machine)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextmanager
    def exclusive(self, key: str) -> Iterator[bool]:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{_key(key) % FILE_STRIPES:04d}.lock"
        # Each open file is a lock of its own, so threads of one process exclude each
        # other as well as other processes do.
        with path.open("a") as file:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(file.fileno(), fcntl.LOCK_UN)
