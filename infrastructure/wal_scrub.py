"""Emptying SQLite's write-ahead log after an erasure, until it is done.

An erasure zeroes the deleted rows in the database file (`secure_delete`), but the
write-ahead log (`<file>-wal`) keeps the pages as they were before until a checkpoint
copies it back and truncates it. That checkpoint has to wait until no reader uses the
log. It is tried right after the erasing commit; readers that hold the log longer are
waited out in the background, with growing pauses, for up to an hour (each new erasure
wakes it). A marker file (`<file>-scrub`, empty), written before the erasing commit and
removed once the log is empty, tells the next start of a scrub left unfinished.

Log lines name the database file and counts, never what was erased.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)


class WalScrubber:
    def __init__(
        self,
        path: Path,
        *,
        attempt_wait: float = 1.0,
        first_pause: float = 0.1,
        longest_pause: float = 5.0,
        give_up_after: float = 3600.0,
    ) -> None:
        self.path = path
        self.marker = path.with_name(f"{path.name}-scrub")
        #: How long one attempt waits for readers to leave the log.
        self.attempt_wait = attempt_wait
        self.first_pause = first_pause
        self.longest_pause = longest_pause
        self.give_up_after = give_up_after
        self._lock = threading.Lock()  # guards the five fields below
        self._due = False  # an erasure was committed since the log was last emptied
        self._committing = 0  # erasing transactions between `marking` and `scrub`
        self._failing = False  # the last attempt found readers in the way (logged once)
        self._worker: threading.Thread | None = None
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._checkpointing = threading.Lock()  # one checkpoint at a time, on this:
        self._connection: sqlite3.Connection | None = None

    def resume(self) -> None:
        """At start: finish a scrub that an earlier run left undone (its marker is there)."""
        if not self.marker.exists():
            return
        log.warning(
            "%s: an erasure left its write-ahead log unscrubbed; scrubbing it now", self.path.name
        )
        with self._lock:
            self._due = True
        if not self._attempt():
            self._keep_trying()

    def marking(self) -> None:
        """Just before an erasing commit: note on disk that the log must be emptied, so a
        crash before that leaves the work to the next start."""
        with self._lock:
            self._committing += 1
        self.marker.touch()

    def scrub(self) -> None:
        """Just after an erasing commit (or its failure): empty the log now if the readers
        let us within `attempt_wait`, else keep trying in the background (there too if
        another attempt is under way, so erasures do not queue behind each other)."""
        with self._lock:
            self._committing -= 1
            self._due = True
        if not self._attempt(blocking=False):
            self._keep_trying()

    def close(self) -> None:
        """Stop the background attempts and make a last one if one is due (if readers
        still hold the log, the marker stays for the next start)."""
        self._closed.set()
        self._wake.set()
        worker = self._worker
        if worker is not None:
            worker.join(timeout=self.attempt_wait + 1.0)
        if not self._attempt():
            log.warning(
                "%s: readers still hold the write-ahead log; its scrub is left to the next start",
                self.path.name,
            )
        with self._checkpointing:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _attempt(self, *, blocking: bool = True) -> bool:
        """One checkpoint that copies the log back and truncates it, if one is due: whether
        none is due any more. Not blocking, it gives up at once if another is under way."""
        if not self._checkpointing.acquire(blocking=blocking):
            return False
        try:
            with self._lock:
                if not self._due:
                    return True
                self._due = False
            try:
                busy = self._checkpoint()
            except sqlite3.Error as error:
                log.warning(
                    "%s: write-ahead log scrub failed (%s)", self.path.name, type(error).__name__
                )
                busy = True
            with self._lock:
                if busy:
                    self._due = True
                    if not self._failing:
                        log.warning(
                            "%s: readers hold the write-ahead log after an erasure;"
                            " scrubbing it keeps trying in the background",
                            self.path.name,
                        )
                    self._failing = True
                    return False
                self._failing = False
                if not self._due and not self._committing:
                    self.marker.unlink(missing_ok=True)
                return not self._due
        finally:
            self._checkpointing.release()

    def _checkpoint(self) -> bool:
        """Whether readers kept the log from being emptied (waited for `attempt_wait`)."""
        if self._connection is None:
            self._connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )
            self._connection.execute(f"PRAGMA busy_timeout={int(self.attempt_wait * 1000)}")
        busy, _log, _done = self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return bool(busy)

    def _keep_trying(self) -> None:
        """Start the background attempts, or wake them for one now."""
        with self._lock:
            if self._worker is not None:
                self._wake.set()
                return
            if self._closed.is_set():
                return
            self._worker = threading.Thread(
                target=self._retry, name=f"scrub {self.path.name}", daemon=True
            )
            self._worker.start()

    def _retry(self) -> None:
        started = time.monotonic()
        pause = self.first_pause
        attempts = 0
        while True:
            self._wake.wait(pause)
            self._wake.clear()
            if self._closed.is_set():
                with self._lock:
                    self._worker = None
                return
            attempts += 1
            done = self._attempt()
            with self._lock:
                if done and not self._due:
                    self._worker = None
                    log.info(
                        "%s: write-ahead log scrubbed in the background (%d attempts, %.1f s)",
                        self.path.name,
                        attempts,
                        time.monotonic() - started,
                    )
                    return
                if time.monotonic() - started > self.give_up_after:
                    self._worker = None
                    self._failing = False
                    log.error(
                        "%s: gave up scrubbing the write-ahead log after %d attempts"
                        " in %.0f s; the next erasure or start tries again",
                        self.path.name,
                        attempts,
                        time.monotonic() - started,
                    )
                    return
            pause = min(pause * 2, self.longest_pause)
