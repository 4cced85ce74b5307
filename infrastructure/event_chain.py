"""A hash chain over every stored event, in notification order, for auditors.

    hash_n = SHA-256(hash_(n-1) ‖ notification id ‖ originator id ‖ version ‖ topic ‖ state)

with the ids and version as 8-byte big-endian numbers, the originator id as its 16
bytes, and topic and state each prefixed by its 4-byte length (so no two different
rows can run together into the same bytes); hash_0 is 32 zero bytes. It is computed
over the stored bytes (ciphertext for customers' events): an auditor needs no key,
and erasing a customer leaves the chain valid.

The database computes each link in the transaction that inserts the event: a
trigger on PostgreSQL (no extra round trip), the recorder itself on SQLite
(`infrastructure.event_store`). `verify_chain` recomputes it from the events and
compares it with the stored links; a signed checkpoint (`Checkpoint`) fixes the head
at one moment, so a log rewritten with a recomputed chain is caught as well.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

GENESIS = bytes(32)
PAGE = 5_000


def chain_link(
    previous: bytes,
    notification_id: int,
    originator_id: UUID,
    version: int,
    topic: str,
    state: bytes,
) -> bytes:
    topic_bytes = topic.encode()
    return hashlib.sha256(
        previous
        + struct.pack(">q", notification_id)
        + originator_id.bytes
        + struct.pack(">q", version)
        + struct.pack(">i", len(topic_bytes))
        + topic_bytes
        + struct.pack(">i", len(state))
        + state
    ).digest()


@dataclass(frozen=True)
class ChainRow:
    """One position: the event stored there (if any) and the link stored for it (if any)."""

    notification_id: int
    originator_id: UUID | None
    version: int | None
    topic: str | None
    state: bytes | None
    stored_hash: bytes | None


StoredRow = tuple[int, UUID, int, str, bytes]


class ChainedLog(Protocol):
    def chain_pages(
        self, after: int, limit: int
    ) -> tuple[list[StoredRow], list[tuple[int, bytes]]]:
        """Stored events and stored links after a position, in notification order, both
        read in one snapshot (a save committing meanwhile shows in both or in neither)."""


def chain_rows(log: ChainedLog, after: int, limit: int) -> list[ChainRow]:
    """Positions after `after`, events and links side by side (either may be missing).

    Two ordered index scans merged here, so every page costs the same however long
    the log is.
    """
    events, links = log.chain_pages(after, limit)
    # Only up to where both pages are known to be complete.
    bound = min(
        events[-1][0] if len(events) == limit else float("inf"),
        links[-1][0] if len(links) == limit else float("inf"),
    )
    by_event = {row[0]: row for row in events if row[0] <= bound}
    by_link = {position: value for position, value in links if position <= bound}
    rows = []
    for position in sorted(by_event.keys() | by_link.keys()):
        event = by_event.get(position)
        rows.append(
            ChainRow(
                notification_id=position,
                originator_id=event[1] if event else None,
                version=event[2] if event else None,
                topic=event[3] if event else None,
                state=event[4] if event else None,
                stored_hash=by_link.get(position),
            )
        )
    return rows


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    checked: int
    head_position: int
    head_hash: bytes
    broken_at: int | None = None
    problem: str | None = None
    hash_at: dict[int, bytes] | None = None


def walk_chain(log: ChainedLog, stop: int | None = None) -> Iterator[tuple[ChainRow, bytes]]:
    """Every position up to `stop` with the hash recomputed from the events."""
    previous = GENESIS
    after = 0
    while True:
        rows = chain_rows(log, after, PAGE)
        if not rows:
            return
        for row in rows:
            if stop is not None and row.notification_id > stop:
                return
            if row.state is not None and row.originator_id is not None:
                assert row.version is not None and row.topic is not None
                previous = chain_link(
                    previous,
                    row.notification_id,
                    row.originator_id,
                    row.version,
                    row.topic,
                    row.state,
                )
            yield row, previous
        after = rows[-1].notification_id


def verify_chain(
    log: ChainedLog, stop: int | None = None, remember: set[int] | None = None
) -> ChainReport:
    """Recompute the chain and compare it with the stored links; name the first break.

    `remember`: positions whose recomputed hash the caller wants back (exports).
    """
    checked = 0
    head_position, head_hash = 0, GENESIS
    found: dict[int, bytes] = {}
    for row, recomputed in walk_chain(log, stop):
        position = row.notification_id
        problem = None
        if row.state is None:
            problem = "the event stored here is missing (deleted?)"
        elif row.stored_hash is None:
            problem = "this event is not in the chain (inserted outside the log?)"
        elif row.stored_hash != recomputed:
            problem = "the event differs from what was chained (altered, moved or inserted)"
        if problem is not None:
            return ChainReport(False, checked, head_position, head_hash, position, problem, found)
        checked += 1
        head_position, head_hash = position, recomputed
        if remember is not None and position in remember:
            found[position] = recomputed
    return ChainReport(True, checked, head_position, head_hash, hash_at=found)


# Signed checkpoints ----------------------------------------------------------------


def signing_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def public_key_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment, signed (Ed25519)."""

    position: int
    head_hash: str  # hex
    time: str  # ISO 8601 UTC
    public_key: str  # base64 of the raw 32-byte Ed25519 key
    signature: str = ""  # base64

    def signed_bytes(self) -> bytes:
        return (
            f"docintake checkpoint v1\nposition {self.position}\nhead {self.head_hash}\n"
            f"time {self.time}\n"
        ).encode()

    @classmethod
    def sign(cls, position: int, head_hash: bytes, key: Ed25519PrivateKey) -> Checkpoint:
        unsigned = cls(
            position=position,
            head_hash=head_hash.hex(),
            time=datetime.now(UTC).isoformat(timespec="seconds"),
            public_key=public_key_text(key.public_key()),
        )
        signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode()
        return cls(**{**unsigned.__dict__, "signature": signature})

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        data = json.loads(text)
        return cls(
            position=int(data["position"]),
            head_hash=str(data["head_hash"]),
            time=str(data["time"]),
            public_key=str(data["public_key"]),
            signature=str(data["signature"]),
        )

    def signature_valid(self, trusted: Ed25519PublicKey) -> bool:
        if public_key_text(trusted) != self.public_key:
            return False
        try:
            trusted.verify(base64.b64decode(self.signature), self.signed_bytes())
        except (InvalidSignature, ValueError):
            return False
        return True
