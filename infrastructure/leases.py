"""Leases on read models: a PostgreSQL advisory lock, or a file lock in embedded mode.

A lease lives as long as its holder: the advisory lock belongs to a connection
the holder keeps open, the file lock to an open file, and both are freed by the
server or the kernel the moment the holding process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg

# The first half of every advisory lock key docintake takes ("doci"), so that
# its locks cannot collide with another program's on the same database.
LOCK_NAMESPACE = 0x646F6369


def lock_key(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def holder_label() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds a lease, as far as the lock's keeper can tell."""

    name: str
    holder: str


class PostgresLeases:
    """A process's advisory locks, all on one connection kept open for as long as any is held.

    One connection for every lease keeps the cost at one connection per process,
    however many read models it runs. If that connection is lost, every lease
    is lost with it: each holder sees `held()` turn false and stands by.
    """

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None
        self._held: set[str] = set()
        self._lock = threading.Lock()

    def lease(self, name: str) -> PostgresLease:
        return PostgresLease(self, name)

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._connection is None or self._connection.closed:
            self._held.clear()
            self._connection = psycopg.connect(
                self.conninfo,
                autocommit=True,
                application_name=f"docintake leases ({holder_label()})"[:63],
            )
        return self._connection

    def acquire(self, name: str) -> bool:
        with self._lock:
            if name in self._held:
                # Advisory locks stack within a session: a second taker in this
                # process must not count as a second holder.
                return False
            try:
                row = (
                    self._connect()
                    .execute(
                        "SELECT pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, lock_key(name))
                    )
                    .fetchone()
                )
            except psycopg.Error:
                self._drop()
                raise
            if row and row[0]:
                self._held.add(name)
                return True
            return False

    def held(self, name: str) -> bool:
        with self._lock:
            if name not in self._held or self._connection is None:
                return False
            try:
                self._connection.execute("SELECT 1")
            except psycopg.Error:
                self._drop()
                return False
            return True

    def release(self, name: str) -> None:
        with self._lock:
            if name not in self._held:
                return
            self._held.discard(name)
            if self._connection is None:
                return
            try:
                self._connection.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, lock_key(name))
                )
            except psycopg.Error:
                self._drop()
                return
            if not self._held:
                self._drop()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        # Closing the connection frees every lock it holds.
        self._held.clear()
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
            self._connection = None


class PostgresLease:
    """One read model's lease among a process's `PostgresLeases`."""

    def __init__(self, leases: PostgresLeases, name: str) -> None:
        self.leases = leases
        self.name = name

    def acquire(self) -> bool:
        return self.leases.acquire(self.name)

    def held(self) -> bool:
        return self.leases.held(self.name)

    def release(self) -> None:
        self.leases.release(self.name)

    def close(self) -> None:
        self.release()


def postgres_lease_holders(conninfo: str, names: list[str]) -> dict[str, str]:
    """Which of these leases are held, and by whom (the holder's host and pid, its backend)."""
    by_key = {lock_key(name): name for name in names}
    with psycopg.connect(conninfo, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT l.objid::bigint, a.pid, a.application_name, a.client_addr"
            " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
            " AND l.classid::bigint = %s"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (LOCK_NAMESPACE,),
        ).fetchall()
    holders: dict[str, str] = {}
    for objid, pid, application, address in rows:
        name = by_key.get(int(objid))
        if name is not None:
            holders[name] = f"{application or 'connection'} [backend {pid}, {address or 'local'}]"
    return holders


class FileLease:
    """An exclusive `flock` on a file under the data folder (embedded mode, one machine)."""

    def __init__(self, folder: Path, name: str) -> None:
        self.name = name
        self.path = folder / f"{name.replace(':', '-')}.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = self.path.open("a+")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        file.seek(0)
        file.truncate()
        file.write(holder_label())
        file.flush()
        self._file = file
        return True

    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def close(self) -> None:
        self.release()


def file_lease_holders(folder: Path, names: list[str]) -> dict[str, str]:
    """Which of these leases are held (by trying each lock), and the holder it recorded."""
    holders: dict[str, str] = {}
    for name in names:
        probe = FileLease(folder, name)
        if not probe.path.exists():
            continue
        if probe.acquire():
            probe.release()
            continue
        holders[name] = probe.path.read_text().strip() or "another process"
    return holders
