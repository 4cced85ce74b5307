"""Idempotency keys and the answers given to them, kept 24 hours in the read-model database.

One row per client scope (a hash of the API token or staff session) and key (hashed):
the hash of the request it was first used with, whether that request is still in flight
(and which process has it since when) and, once answered, the answer — sealed with
AES-GCM under a key derived from what only the client sends again (its credential, the
idempotency key and the request body), so the table alone reveals no answer.

A key in flight in a process that has died is taken over after `takeover_seconds`
(`DOCINTAKE_IDEMPOTENCY_TAKEOVER_SECONDS`, default `TAKEOVER_SECONDS`): the
retry then runs again, and the request claim recorded with the command's events
(`application.request_claims`) keeps it from recording twice.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid

import msgspec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.request_claims import Began, StoredAnswer
from infrastructure.database import PostgresDatabase, SqliteDatabase

TABLE = "idempotency_keys"
#: How long a key and its answer are kept.
KEPT_SECONDS = 24 * 60 * 60
#: A request in flight in another process for longer than this is presumed dead.
TAKEOVER_SECONDS = 10.0
#: About one new key in this many also deletes every expired key.
PURGE_EVERY = 200


def _seal_key(secret: bytes) -> bytes:
    return hashlib.sha256(b"docintake idempotent answer\x00" + secret).digest()


def seal(secret: bytes, answer: StoredAnswer) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_seal_key(secret)).encrypt(nonce, msgspec.msgpack.encode(answer), None)


def unseal(secret: bytes, sealed: bytes) -> StoredAnswer:
    plain = AESGCM(_seal_key(secret)).decrypt(sealed[:12], sealed[12:], None)
    return msgspec.msgpack.decode(plain, type=StoredAnswer)


class IdempotencyStore:
    def __init__(
        self,
        database: PostgresDatabase | SqliteDatabase,
        takeover_seconds: float = TAKEOVER_SECONDS,
    ) -> None:
        self.database = database
        self.takeover_seconds = takeover_seconds
        #: This process, as the owner of the keys it has in flight.
        self.owner = uuid.uuid4().hex
        self._prepared = False
        self._begun = 0
        self._lock = threading.Lock()

    def prepare(self) -> None:
        if self._prepared:
            return
        with self._lock:
            if self._prepared:
                return
            blob = "BYTEA" if self.database.dialect == "postgres" else "BLOB"
            statement = (
                f"CREATE TABLE IF NOT EXISTS {TABLE} (scope_hash TEXT NOT NULL,"
                " key_hash TEXT NOT NULL, request_hash TEXT NOT NULL, owner TEXT,"
                f" started_at DOUBLE PRECISION NOT NULL, answer {blob},"
                " PRIMARY KEY (scope_hash, key_hash))"
            )
            try:
                with self.database.transaction() as tx:
                    tx.execute(statement)
            except Exception:
                # Created by another process at the same moment: it exists now.
                with self.database.transaction() as tx:
                    tx.execute(statement)
            self._prepared = True

    def begin(self, scope_hash: str, key_hash: str, request_hash: str, secret: bytes) -> Began:
        """Claim the key for this request, or say why not."""
        self.prepare()
        now = time.time()
        self._begun += 1
        with self.database.transaction() as tx:
            if self._begun % PURGE_EVERY == 0:
                tx.execute(f"DELETE FROM {TABLE} WHERE started_at < %s", (now - KEPT_SECONDS,))
            tx.execute(
                f"DELETE FROM {TABLE} WHERE scope_hash = %s AND key_hash = %s AND started_at < %s",
                (scope_hash, key_hash, now - KEPT_SECONDS),
            )
            inserted = tx.execute(
                f"INSERT INTO {TABLE} (scope_hash, key_hash, request_hash, owner, started_at)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (scope_hash, key_hash, request_hash, self.owner, now),
            )
            if inserted == 1:
                return Began("new")
            row = tx.fetchone(
                f"SELECT request_hash, owner, started_at, answer FROM {TABLE}"
                " WHERE scope_hash = %s AND key_hash = %s",
                (scope_hash, key_hash),
            )
            if row is None:  # answered and expired in between: start afresh next time
                return Began("in_flight")
            if row["request_hash"] != request_hash:
                return Began("mismatch")
            if row["answer"] is not None:
                return Began("replay", unseal(secret, bytes(row["answer"])))
            if row["owner"] == self.owner or now - float(row["started_at"]) < self.takeover_seconds:
                return Began("in_flight")
            # Its process is presumed dead: take the key over (if nobody else just did).
            taken = tx.execute(
                f"UPDATE {TABLE} SET owner = %s, started_at = %s WHERE scope_hash = %s"
                " AND key_hash = %s AND owner = %s AND answer IS NULL",
                (self.owner, now, scope_hash, key_hash, row["owner"]),
            )
            return Began("new" if taken == 1 else "in_flight")

    def answered(self, scope_hash: str, key_hash: str, secret: bytes, answer: StoredAnswer) -> None:
        with self.database.transaction() as tx:
            tx.execute(
                f"UPDATE {TABLE} SET answer = %s, owner = NULL WHERE scope_hash = %s"
                " AND key_hash = %s AND owner = %s",
                (seal(secret, answer), scope_hash, key_hash, self.owner),
            )

    def abandon(self, scope_hash: str, key_hash: str) -> None:
        """Forget a key whose request ended without an answer worth keeping (a server
        error, a retryable refusal): the next request with it runs again."""
        with self.database.transaction() as tx:
            tx.execute(
                f"DELETE FROM {TABLE} WHERE scope_hash = %s AND key_hash = %s AND owner = %s"
                " AND answer IS NULL",
                (scope_hash, key_hash, self.owner),
            )
