"""The application on the library's in-memory persistence (POPO), for command tests.

The file store and the mailer keep what they are given in dictionaries and lists:
fakes in the sense of Cosmic Python's FakeRepository, so the fast ring of tests
does no I/O. The real adapters are tested against real servers elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage

from application.collaborators import Collaborators
from application.docintake import DocIntake
from application.ports import ObjectMissing


class MemoryWriter:
    def __init__(self, store: MemoryFileStore, key: str) -> None:
        self.store = store
        self.key = key
        self.chunks: list[bytes] = []

    def write(self, chunk: bytes) -> None:
        self.chunks.append(chunk)

    def commit(self) -> None:
        self.store.objects[self.key] = (b"".join(self.chunks), datetime.now(UTC))

    def abort(self) -> None:
        self.chunks = []


class MemoryFileStore:
    """Objects in a dictionary: key -> (bytes, modified)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, datetime]] = {}

    def writer(self, key: str) -> MemoryWriter:
        return MemoryWriter(self, key)

    def promote(self, temporary_key: str, final_key: str) -> None:
        if temporary_key in self.objects:
            self.objects[final_key] = self.objects.pop(temporary_key)

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        if key not in self.objects:
            raise ObjectMissing(key)
        content = self.objects[key][0]
        return iter([content[i : i + chunk_size] for i in range(0, len(content), chunk_size)])

    def exists(self, key: str) -> bool:
        return key in self.objects

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def list(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        return iter([(k, m) for k, (_, m) in self.objects.items() if k.startswith(prefix)])

    def remove_abandoned(self, before: datetime) -> int:
        return 0

    def check(self) -> None:
        return None


class MemoryMailer:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def memory_app(**limits: object) -> DocIntake:
    """A fresh application on POPO persistence (every event is still transcoded)."""
    collaborators = Collaborators(
        file_store=MemoryFileStore(),
        mailer=MemoryMailer(),
        **limits,  # type: ignore[arg-type]
    )
    return DocIntake(collaborators, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
