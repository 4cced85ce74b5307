"""Leases: PostgreSQL session advisory locks, or file locks in embedded mode.

A lease lives as long as its holder: the advisory lock belongs to a connection
the holder keeps open, the file lock to an open file, and both are freed by the
server or the kernel the moment the holding process dies, however it dies.

Each process keeps its leases in one place (`PostgresLeases` or `FileLeases`),
with one thread of its own. Holding costs nothing: nobody asks the database
whether a lease is still held. A process standing by for a lease on PostgreSQL
waits inside `pg_advisory_lock`, so it takes over the moment the holder's
connection goes, without asking again and again.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import select
import socket
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psycopg
from psycopg import errors

log = logging.getLogger(__name__)

# The first half of every advisory lock key docintake takes ("doci"), so that
# its locks cannot collide with another program's on the same database.
LOCK_NAMESPACE = 0x646F6369
#: A standby waits this long inside `pg_advisory_lock` for the first lease it misses,
#: then tries the others it misses once and waits again (one query per wait).
STANDBY_WAIT_SECONDS = 30.0
#: Embedded mode: how often a standby process tries a lease file again.
FILE_RETRY_SECONDS = 0.5

Callback = Callable[[], None]


def lock_key(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def holder_label() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


class KeptLease:
    """One named lease, kept by its process's `LeaseKeeper`."""

    def __init__(self, keeper: LeaseKeeper, name: str) -> None:
        self.keeper = keeper
        self.name = name

    def acquire(self) -> bool:
        return self.keeper.acquire(self.name)

    def want(self, on_change: Callback | None = None) -> bool:
        return self.keeper.want(self.name, on_change)

    def held(self) -> bool:
        return self.keeper.held(self.name)

    def wait(self, timeout: float) -> bool:
        return self.keeper.wait(self.name, timeout)

    def release(self) -> None:
        self.keeper.release(self.name)


@dataclass
class _Request:
    kind: str  # "try" (acquire once), "want", "release"
    name: str
    result: bool = False
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


class LeaseKeeper:
    """What every kind of lease keeper shares: which leases this process holds and wants,
    and one thread that does all the taking and giving up."""

    def __init__(self) -> None:
        self._state = threading.Condition()
        self._held: set[str] = set()
        self._wanted: dict[str, list[Callback]] = {}
        self._requests: list[_Request] = []
        self._closed = False
        self._thread: threading.Thread | None = None
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)

    def lease(self, name: str) -> KeptLease:
        return KeptLease(self, name)

    def held(self, name: str) -> bool:
        with self._state:
            return name in self._held

    def wait(self, name: str, timeout: float) -> bool:
        with self._state:
            return self._state.wait_for(lambda: name in self._held or self._closed, timeout) and (
                name in self._held
            )

    def acquire(self, name: str) -> bool:
        return self._submit(_Request("try", name))

    def want(self, name: str, on_change: Callback | None = None) -> bool:
        with self._state:
            callbacks = self._wanted.setdefault(name, [])
            if on_change is not None:
                callbacks.append(on_change)
        return self._submit(_Request("want", name))

    def release(self, name: str) -> None:
        self._submit(_Request("release", name))

    def close(self) -> None:
        with self._state:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            self._state.notify_all()
        self._interrupt()
        if thread is not None:
            thread.join(timeout=10)
        self._disconnect()
        os.close(self._wake_read)
        os.close(self._wake_write)

    # Called by the keeper's thread --------------------------------------------------

    def _submit(self, request: _Request) -> bool:
        with self._state:
            if self._closed:
                return False
            self._requests.append(request)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="leases", daemon=True)
                self._thread.start()
        # The thread may be waiting (for a lease, or for news): interrupt it until it
        # has served us (an interruption can fall between two of its waits).
        self._interrupt()
        while not request.done.wait(0.2):
            self._interrupt()
        if request.error is not None:
            raise request.error
        return request.result

    def _run(self) -> None:
        while True:
            with self._state:
                requests, self._requests = self._requests, []
                if self._closed:
                    break
            try:
                self._serve(requests)
                self._keep()
            except errors.QueryCanceled:
                # A cancellation meant for a wait that had just ended: nothing is lost.
                self._requeue(requests)
            except Exception as error:
                for request in requests:
                    if not request.done.is_set():
                        request.error = error
                        request.done.set()
                log.warning("leases: the lock keeper failed; trying again", exc_info=True)
                self._disconnect()
                self._set_held(set())
                self._pause(1.0)
        for request in requests:
            request.done.set()

    def _requeue(self, requests: list[_Request]) -> None:
        with self._state:
            self._requests[:0] = [r for r in requests if not r.done.is_set()]

    def _serve(self, requests: list[_Request]) -> None:
        for request in requests:
            if request.kind == "release":
                with self._state:
                    self._wanted.pop(request.name, None)
                    was_held = request.name in self._held
                if was_held:
                    self._unlock(request.name)
                    self._set_held(self._held_now() - {request.name})
            elif request.name in self._held_now():
                # Held already (by this process): "try" takes nothing more.
                request.result = request.kind == "want"
            else:
                taken = self._try([request.name])
                if taken:
                    self._set_held(self._held_now() | taken)
                request.result = bool(taken)
            request.done.set()

    def _keep(self) -> None:
        """Take what is wanted and free; then wait: for a missed lease, or for news."""
        with self._state:
            missing = sorted(set(self._wanted) - self._held)
        if missing:
            taken = self._try(missing)
            if taken:
                self._set_held(self._held_now() | taken)
            missing = [name for name in missing if name not in taken]
        with self._state:
            if self._requests or self._closed:
                return
        if missing:
            self._stand_by(missing[0])
        else:
            self._idle()

    def _held_now(self) -> set[str]:
        with self._state:
            return set(self._held)

    def _set_held(self, held: set[str]) -> None:
        with self._state:
            changed = held ^ self._held
            self._held = held
            callbacks = [c for name in changed for c in self._wanted.get(name, [])]
            self._state.notify_all()
        for name in sorted(changed):
            log.debug("leases: %s %s", "took" if name in held else "lost", name)
        for callback in callbacks:
            callback()

    def _interrupt(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"!")

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_read, 4096):
                pass

    def _pause(self, seconds: float, also: Iterable[int] = ()) -> list[int]:
        """Sleep until interrupted, `seconds` pass, or one of `also` is readable."""
        readable: list[int]
        readable, _, _ = select.select([self._wake_read, *also], [], [], seconds)
        if self._wake_read in readable:
            self._drain()
        return readable

    # What each kind of lock does ----------------------------------------------------

    def _try(self, names: list[str]) -> set[str]:
        raise NotImplementedError

    def _unlock(self, name: str) -> None:
        raise NotImplementedError

    def _stand_by(self, name: str) -> None:
        raise NotImplementedError

    def _idle(self) -> None:
        raise NotImplementedError

    def _disconnect(self) -> None:
        raise NotImplementedError


class PostgresLeases(LeaseKeeper):
    """A process's advisory locks, all on one connection kept open for as long as any is held.

    One connection for every lease keeps the cost at one connection per process,
    however many read models it runs. If that connection is lost, every lease is
    lost with it: the wanting parts are told, and the keeper takes the leases
    again as soon as it can.
    """

    def __init__(self, conninfo: str, *, standby_wait: float = STANDBY_WAIT_SECONDS) -> None:
        super().__init__()
        self.conninfo = conninfo
        self.standby_wait = standby_wait
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._connection is None or self._connection.closed:
            if self._connection is not None:
                # A new connection holds nothing yet.
                self._set_held(set())
            self._connection = psycopg.connect(
                self.conninfo,
                autocommit=True,
                application_name=f"docintake leases ({holder_label()})"[:63],
            )
            wait_ms = round(self.standby_wait * 1000)
            self._connection.execute(f"SET statement_timeout = {wait_ms}")
        return self._connection

    def _try(self, names: list[str]) -> set[str]:
        """Take those of `names` that are free, in one query. A lock this connection holds
        already counts as taken and is not taken twice (advisory locks stack)."""
        keys = {lock_key(name): name for name in names}
        rows = (
            self._connect()
            .execute(
                "SELECT k.key, CASE WHEN EXISTS (SELECT 1 FROM pg_locks l"
                "  WHERE l.pid = pg_backend_pid() AND l.locktype = 'advisory'"
                "  AND l.classid::bigint = %s AND l.objid::bigint = k.key AND l.objsubid = 2)"
                " THEN true ELSE pg_try_advisory_lock(%s, k.key) END"
                " FROM unnest(%s::int[]) AS k(key)",
                (LOCK_NAMESPACE, LOCK_NAMESPACE, list(keys)),
            )
            .fetchall()
        )
        return {keys[int(str(key))] for key, taken in rows if taken}

    def _unlock(self, name: str) -> None:
        self._connect().execute(
            "SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, lock_key(name))
        )

    def _stand_by(self, name: str) -> None:
        """Wait inside the database for `name`, until it is granted, `standby_wait` has
        passed, or someone interrupts (the wait is then cancelled)."""
        connection = self._connect()
        self._drain()
        waiting = threading.Event()
        waiting.set()
        canceller = threading.Thread(
            target=self._cancel_on_interrupt, args=(connection, waiting), daemon=True
        )
        canceller.start()
        try:
            connection.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_NAMESPACE, lock_key(name)))
            granted = True
        except errors.QueryCanceled:
            # Whether it was granted just before the cancellation, the next `_try` tells.
            granted = False
        finally:
            waiting.clear()
            self._interrupt()
            canceller.join()
            self._drain()
        if granted:
            self._set_held(self._held_now() | {name})

    def _cancel_on_interrupt(
        self, connection: psycopg.Connection[tuple[object, ...]], waiting: threading.Event
    ) -> None:
        while waiting.is_set():
            readable, _, _ = select.select([self._wake_read], [], [], 0.5)
            if readable and waiting.is_set():
                self._drain()
                with contextlib.suppress(psycopg.Error):
                    connection.cancel_safe()

    def _idle(self) -> None:
        """Wait until interrupted, or until the server says something on the connection:
        on an idle connection that is its goodbye (a restart, `pg_terminate_backend`)."""
        connection = self._connect()
        readable = self._pause(60.0, [connection.fileno()])
        if connection.fileno() in readable:
            try:
                connection.execute("SELECT 1")
            except psycopg.Error:
                log.warning("leases: the connection holding the leases is gone")
                self._disconnect()
                self._set_held(set())

    def _disconnect(self) -> None:
        # Closing the connection frees every lock it holds.
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
            self._connection = None


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


class FileLeases(LeaseKeeper):
    """Exclusive `flock`s on files under the data folder (embedded mode, one machine).

    A standby process tries a missed lease again every `FILE_RETRY_SECONDS`: a
    system call, no database query.
    """

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self._files: dict[str, IO[str]] = {}

    def path(self, name: str) -> Path:
        return self.folder / f"{name.replace(':', '-')}.lock"

    def _try(self, names: list[str]) -> set[str]:
        taken: set[str] = set()
        for name in names:
            if name in self._files:
                taken.add(name)
                continue
            self.folder.mkdir(parents=True, exist_ok=True)
            file = self.path(name).open("a+")
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                file.close()
                continue
            file.seek(0)
            file.truncate()
            file.write(holder_label())
            file.flush()
            self._files[name] = file
            taken.add(name)
        return taken

    def _unlock(self, name: str) -> None:
        file = self._files.pop(name, None)
        if file is not None:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)
            file.close()

    def _stand_by(self, name: str) -> None:
        self._pause(FILE_RETRY_SECONDS)

    def _idle(self) -> None:
        self._pause(60.0)

    def _disconnect(self) -> None:
        for name in list(self._files):
            self._unlock(name)


def file_lease_holders(folder: Path, names: list[str]) -> dict[str, str]:
    """Which of these leases are held (by trying each lock), and the holder it recorded."""
    holders: dict[str, str] = {}
    probe = FileLeases(folder)
    try:
        for name in names:
            path = probe.path(name)
            if not path.exists():
                continue
            if probe._try([name]):
                probe._unlock(name)
                continue
            holders[name] = path.read_text().strip() or "another process"
    finally:
        probe.close()
    return holders
