"""Each customer's data key: created with the customer, cached while in use, destroyed
with it.

A data key is 256 random bits. It is stored only wrapped by the master key, in the
key table of the event-store database (`customer_keys`), never in an event. The
table's rows are written in the same transaction as the events they belong to (see
`infrastructure.event_store`): a customer's key with its `CustomerCreated`, its
destruction with its `CustomerDeleted`.

Unwrapped keys are cached in this process (least recently used, bounded). Every
load of an aggregate reads its customer's key row in the same query as its events
(`observe`), so a key destroyed by another process is forgotten here no later than
this process's next read of anything of that customer.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from infrastructure.master_key import MasterKey

DATA_KEY_BYTES = 32
DEFAULT_CACHE_SIZE = 10_000


class KeyMissing(Exception):
    """The key table has no row for a customer whose events exist (a broken restore?)."""


class CustomerErased(Exception):
    """The customer's key is destroyed: nothing more can be recorded or read for it."""


class KeyTable(Protocol):
    """Where wrapped keys live (the event store's database)."""

    def fetch_keys(self, customer_ids: Iterable[UUID]) -> Mapping[UUID, bytes | None]:
        """Wrapped key per customer id; None for a destroyed key; absent without a row."""


@dataclass(frozen=True)
class DataKey:
    wrapped: bytes
    key: bytes
    cipher: AESGCM


class CustomerKeys:
    """Creates, finds and forgets customers' data keys for one process."""

    def __init__(
        self, master: MasterKey, table: KeyTable, cache_size: int = DEFAULT_CACHE_SIZE
    ) -> None:
        self.master = master
        self.table = table
        self.cache_size = cache_size
        self._cache: OrderedDict[UUID, DataKey] = OrderedDict()
        # Destroyed keys seen by this process (bounded the same way): no lookups for them.
        self._destroyed: OrderedDict[UUID, None] = OrderedDict()
        # Keys created for customers whose first event is not yet committed.
        self._pending: dict[UUID, bytes] = {}
        self._lock = threading.Lock()

    # Creating ----------------------------------------------------------------------

    def new_key(self, customer_id: UUID) -> DataKey:
        """A fresh key for a new customer; the recorder stores it with the customer's
        first event (`take_pending`)."""
        with self._lock:
            cached = self._cache.get(customer_id)
            if cached is not None:
                # Saved again after a failed attempt: keep the key its events already use.
                self._pending[customer_id] = cached.wrapped
                return cached
            key = secrets.token_bytes(DATA_KEY_BYTES)
            data_key = DataKey(self.master.wrap(key), key, AESGCM(key))
            self._pending[customer_id] = data_key.wrapped
            self._remember(customer_id, data_key)
            return data_key

    def take_pending(self, customer_id: UUID) -> bytes | None:
        with self._lock:
            return self._pending.pop(customer_id, None)

    # Finding -----------------------------------------------------------------------

    def key_for(self, customer_id: UUID) -> DataKey | None:
        """The customer's key; None once destroyed. Raises KeyMissing without a row."""
        with self._lock:
            cached = self._cache.get(customer_id)
            if cached is not None:
                self._cache.move_to_end(customer_id)
                return cached
            if customer_id in self._destroyed:
                return None
        self.prefetch([customer_id])
        with self._lock:
            cached = self._cache.get(customer_id)
            if cached is not None:
                return cached
            if customer_id in self._destroyed:
                return None
        raise KeyMissing(f"no data key for customer {customer_id}")

    def prefetch(self, customer_ids: Iterable[UUID]) -> None:
        """Load the keys not cached yet in one query (a batch of the log at once)."""
        with self._lock:
            wanted = {c for c in customer_ids if c not in self._cache and c not in self._destroyed}
        if wanted:
            for customer_id, wrapped in self.table.fetch_keys(wanted).items():
                self.observe(customer_id, wrapped)

    def observe(self, customer_id: UUID, wrapped: bytes | None) -> None:
        """The key row as just read from the database: it wins over the cache."""
        with self._lock:
            if wrapped is None:
                self._cache.pop(customer_id, None)
                self._pending.pop(customer_id, None)
                self._destroyed[customer_id] = None
                while len(self._destroyed) > self.cache_size:
                    self._destroyed.popitem(last=False)
                return
            cached = self._cache.get(customer_id)
            if cached is not None and cached.wrapped == wrapped:
                return
        key = self.master.unwrap(wrapped)
        with self._lock:
            self._remember(customer_id, DataKey(wrapped, key, AESGCM(key)))

    def forget_all(self) -> None:
        with self._lock:
            self._cache.clear()
            self._destroyed.clear()

    def _remember(self, customer_id: UUID, data_key: DataKey) -> None:
        self._cache[customer_id] = data_key
        self._cache.move_to_end(customer_id)
        self._destroyed.pop(customer_id, None)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
