"""The cost of one event: database round trips (counted by a proxy) and CPU time (from /proc).

The server under test reaches PostgreSQL through `CountingProxy`, a TCP proxy on
loopback that reads PostgreSQL's wire protocol on both sides and counts:

- round trips: the server's ReadyForQuery messages, one per request/response
  cycle of the protocol (a simple query, or extended-protocol messages up to a
  Sync). A pipeline of several statements up to one Sync is one round trip.
- requests: every client message after which the client may wait (Query, Sync,
  and Flush, which a pipeline sends to read a result before its Sync).
- statements: every statement executed (simple queries and Executes; an
  `executemany` of five rows is five, as `pg_stat_statements` would count).

What the server sends unasked (NOTIFY) counts as nothing.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import psycopg

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A client's first packet may ask for TLS or GSS encryption, which the server (without
# them) refuses with one byte; then comes the startup message. All three are untyped.
ENCRYPTION_REQUESTS = {80877103, 80877104}
READY_FOR_QUERY = ord("Z")
REQUESTS = frozenset(b"QSH")
STATEMENTS = frozenset(b"QE")


@dataclass
class Counts:
    round_trips: int = 0
    requests: int = 0
    statements: int = 0

    def __sub__(self, other: Counts) -> Counts:
        return Counts(
            self.round_trips - other.round_trips,
            self.requests - other.requests,
            self.statements - other.statements,
        )


class MessageStream:
    """Splits one direction of a connection into protocol messages: `feed` returns the
    type bytes of the messages completed so far."""

    def __init__(self, *, client: bool) -> None:
        self._buffer = bytearray()
        # A client starts with untyped packets (encryption requests, the startup
        # message); the server answers each encryption request with one byte.
        self.starting = client
        self.one_byte_answers = 0
        self.encryption_requests = 0

    def feed(self, data: bytes) -> list[int]:
        self._buffer += data
        types: list[int] = []
        offset = 0
        while True:
            left = len(self._buffer) - offset
            if self.one_byte_answers:
                if left < 1:
                    break
                offset += 1
                self.one_byte_answers -= 1
                continue
            if self.starting:
                if left < 8:
                    break
                length = int.from_bytes(self._buffer[offset : offset + 4], "big")
                if left < length:
                    break
                code = int.from_bytes(self._buffer[offset + 4 : offset + 8], "big")
                offset += length
                if code in ENCRYPTION_REQUESTS:
                    self.encryption_requests += 1
                else:
                    self.starting = False
                continue
            if left < 5:
                break
            length = int.from_bytes(self._buffer[offset + 1 : offset + 5], "big")
            if left < 1 + length:
                break
            types.append(self._buffer[offset])
            offset += 1 + length
        del self._buffer[:offset]
        return types


class CountingProxy:
    """Forwards 127.0.0.1:`port` to the database server and counts what passes."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._counts = Counts()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="proxy", daemon=True)
        self._thread.start()

    def counts(self) -> Counts:
        with self._lock:
            return Counts(**vars(self._counts))

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            for end in (client, server):
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._relay, args=(client, server), daemon=True).start()

    def _relay(self, client: socket.socket, server: socket.socket) -> None:
        sent, answered = MessageStream(client=True), MessageStream(client=False)
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, server)
            selector.register(server, selectors.EVENT_READ, client)
            while not self._closed.is_set():
                for key, _ in selector.select(timeout=0.5):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    try:
                        data = source.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        for end in (client, server):
                            with contextlib.suppress(OSError):
                                end.close()
                        return
                    if source is client:
                        types = sent.feed(data)
                        answered.one_byte_answers += sent.encryption_requests
                        sent.encryption_requests = 0
                        with self._lock:
                            self._counts.requests += sum(t in REQUESTS for t in types)
                            self._counts.statements += sum(t in STATEMENTS for t in types)
                    else:
                        ready = answered.feed(data).count(READY_FOR_QUERY)
                        with self._lock:
                            self._counts.round_trips += ready
                    with contextlib.suppress(OSError):
                        key.data.sendall(data)

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            for end in self._sockets:
                with contextlib.suppress(OSError):
                    end.close()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    # After the command name: state is field 3, utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def database_backends_cpu_seconds(database_url: str) -> float:
    """CPU time so far of the PostgreSQL backends connected to this database (this machine)."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        pids = [
            int(row[0])
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        ]
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total
