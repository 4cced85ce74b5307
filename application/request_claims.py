"""A client's request recorded at most once, whatever happens to its answer.

A request that carries an idempotency key claims it: the first save of the command
records a `RequestClaim` (addressed by the client's scope and the key) in the same
transaction as the command's own events. A retry whose first attempt committed and then
lost its answer (the process killed between commit and answer, a connection cut) finds
the claim and is refused with `RequestAlreadyRecorded` instead of recording again; two
attempts racing conflict on the claim's version, and only one commits.

The claim holds hashes only (scope, key, request): nothing personal, nothing secret.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError

_CLAIM_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/request-claim")


class RequestAlreadyRecorded(DomainError):
    """The request with this idempotency key was recorded before; its answer was lost."""

    code = "already_recorded"


class RequestClaim(Aggregate):
    """One idempotency key of one client (scope), claimed by the request that used it."""

    class Claimed(Aggregate.Created):
        scope_hash: str
        key_hash: str
        request_hash: str

    @staticmethod
    def create_id(scope_hash: str, key_hash: str) -> UUID:
        return uuid5(_CLAIM_NAMESPACE, f"{scope_hash}:{key_hash}")

    @event(Claimed)
    def __init__(self, scope_hash: str, key_hash: str, request_hash: str) -> None:
        self.request_hash = request_hash


@dataclass
class PendingClaim:
    """The claim of the request being handled; `recorded` once its first save committed."""

    scope_hash: str
    key_hash: str
    request_hash: str
    recorded: bool = False

    @property
    def id(self) -> UUID:
        return RequestClaim.create_id(self.scope_hash, self.key_hash)

    def aggregate(self) -> RequestClaim:
        return RequestClaim(
            scope_hash=self.scope_hash, key_hash=self.key_hash, request_hash=self.request_hash
        )


_pending: ContextVar[PendingClaim | None] = ContextVar("pending_request_claim", default=None)


@contextmanager
def claiming(scope_hash: str, key_hash: str, request_hash: str) -> Iterator[PendingClaim]:
    """Within this block (and the threads it hands work to, which copy the context) the
    first save of a command also records the request's claim."""
    claim = PendingClaim(scope_hash, key_hash, request_hash)
    token = _pending.set(claim)
    try:
        yield claim
    finally:
        _pending.reset(token)


def pending_claim() -> PendingClaim | None:
    """The claim the next save must record, if the request has one not yet recorded."""
    claim = _pending.get()
    return claim if claim is not None and not claim.recorded else None


Outcome = Literal["new", "replay", "mismatch", "in_flight"]


class StoredAnswer(msgspec.Struct, frozen=True):
    """An answer as it was sent: status, headers and body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(frozen=True)
class Began:
    """What to do with a request: run it (`new`), answer `answer` again (`replay`), refuse
    it as another request under the same key (`mismatch`) or as still running (`in_flight`)."""

    outcome: Outcome
    answer: StoredAnswer | None = None


class KeptAnswers(Protocol):
    """Idempotency keys and their answers (`infrastructure.idempotency_store`). `secret`
    seals the answer: only a client that sends the same request again can open it."""

    def begin(self, scope_hash: str, key_hash: str, request_hash: str, secret: bytes) -> Began:
        """Take the key for this request, or say why not."""
        ...

    def answered(
        self, scope_hash: str, key_hash: str, secret: bytes, answer: StoredAnswer
    ) -> None: ...

    def abandon(self, scope_hash: str, key_hash: str) -> None: ...
