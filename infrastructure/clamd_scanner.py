"""The virus scanner: ClamAV's clamd, spoken to through `clamav-client` (INSTREAM).

The file's decrypted bytes are streamed to clamd as they are read; nothing is
written to disk and no more than one storage chunk is held. clamd answers
`stream: OK` or `stream: NAME FOUND`; with `AlertExceedsMax yes` (as clamd must
be configured) a file over its limits is reported as found
(`Heuristics.Limits.Exceeded...`), never as clean. Anything else (no answer, a
refused connection, `INSTREAM size limit exceeded`) is `ScannerUnavailable`: the
file stays unscanned and the job tries again.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from urllib.parse import urlsplit

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket

from application.virus_scanning import ScannerUnavailable, ScanVerdict

#: Debian's clamav-daemon listens here when DOCINTAKE_CLAMD_URL is not set.
DEFAULT_CLAMD_URL = "unix:///var/run/clamav/clamd.ctl"
#: How long one socket operation may wait for clamd (a large file takes its time
#: to scan after its last byte).
SOCKET_TIMEOUT_SECONDS = 300.0


class _ChunkReader(io.RawIOBase):
    """A file-like view of an iterator of chunks (what clamav-client reads from)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self.pending:
            try:
                self.pending = memoryview(next(self.chunks))
            except StopIteration:
                return b""
        if size < 0:
            size = len(self.pending)
        taken = bytes(self.pending[:size])
        self.pending = self.pending[size:]
        return taken


def parse_clamd_url(url: str) -> tuple[str, str | int]:
    """`unix:///path/to/clamd.ctl` or `tcp://127.0.0.1:3310` as (kind, path or port)."""
    parts = urlsplit(url)
    if parts.scheme == "unix" and parts.path:
        return "unix", parts.path
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        return "tcp", parts.port
    raise ValueError("must be unix:///path/to/clamd.ctl or tcp://127.0.0.1:3310")


class ClamdScanner:
    """Scans streams with clamd over a unix socket or TCP."""

    def __init__(self, url: str, timeout: float = SOCKET_TIMEOUT_SECONDS) -> None:
        parse_clamd_url(url)
        self.url = url
        self.timeout = timeout

    def _client(self) -> ClamdNetworkSocket:
        parts = urlsplit(self.url)
        if parts.scheme == "unix":
            return ClamdUnixSocket(parts.path, timeout=int(self.timeout))
        assert parts.hostname is not None and parts.port is not None
        return ClamdNetworkSocket(parts.hostname, parts.port, timeout=self.timeout)

    def scan(self, content: Iterator[bytes]) -> ScanVerdict:
        try:
            results = self._client().instream(_ChunkReader(content))  # type: ignore[arg-type]
        except (ClamdError, OSError) as error:
            raise ScannerUnavailable(f"clamd at {self.url}: {error}") from None
        if not results:
            raise ScannerUnavailable(f"clamd at {self.url} gave no verdict")
        status, signature = next(iter(results.values()))
        if status == "OK":
            return ScanVerdict(signature=None)
        if status == "FOUND" and signature:
            return ScanVerdict(signature=str(signature))
        raise ScannerUnavailable(f"clamd at {self.url} answered {status} {signature}")

    def check(self) -> None:
        try:
            answer = self._client().ping()
        except (ClamdError, OSError) as error:
            raise ScannerUnavailable(f"clamd at {self.url}: {error}") from None
        if answer != "PONG":
            raise ScannerUnavailable(f"clamd at {self.url} answered {answer!r} to PING")
