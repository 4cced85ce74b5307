"""Events of a customer's aggregates are stored encrypted with that customer's key.

`EncryptingMapper` (chosen with eventsourcing's `MAPPER_TOPIC`) encodes every event
and snapshot of `Customer`, `UploadLink`, `ReceivedFile` and `SentFile` as usual,
then seals the encoded state with AES-256-GCM under the customer's data key. What
is stored in the `state` column then is an envelope:

    MAGIC | customer id (16) | length (2) | skeleton (JSON) | nonce (12) | ciphertext

The skeleton holds the event's time and its ids (`domain.personal_data.SKELETON_FIELDS`),
nothing anyone wrote. Associated data binds the aggregate id, version, topic and
everything before the nonce, so a ciphertext copied to another row, or an edited
skeleton, fails to decrypt. Once the key is destroyed, the envelope decodes to an
`ErasedEvent` built from the skeleton.
"""

from __future__ import annotations

import json
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import resolve_topic

from domain.customer import Customer
from domain.erasure import ErasedEvent
from domain.personal_data import (
    CUSTOMER_AGGREGATES,
    SKELETON_FIELDS,
    customer_aggregate_of,
    owning_customer,
)
from infrastructure.customer_keys import CustomerErased, CustomerKeys, KeyMissing

MAGIC = b"\x00dk1"  # a zero byte: no JSON state starts with it
_NONCE = 12
_PREFIX = len(MAGIC) + 16 + 2


@dataclass(frozen=True)
class Envelope:
    customer_id: UUID
    skeleton: dict[str, Any]
    sealed_part: bytes  # everything before the nonce (bound as associated data)
    nonce: bytes
    ciphertext: bytes

    @classmethod
    def parse(cls, state: bytes) -> Envelope:
        if len(state) < _PREFIX or not state.startswith(MAGIC):
            raise ValueError("not an encrypted event")
        customer_id = UUID(bytes=bytes(state[len(MAGIC) : len(MAGIC) + 16]))
        (length,) = struct.unpack_from(">H", state, len(MAGIC) + 16)
        end = _PREFIX + length
        skeleton = json.loads(state[_PREFIX:end])
        return cls(
            customer_id,
            skeleton,
            bytes(state[:end]),
            state[end : end + _NONCE],
            state[end + _NONCE :],
        )


def envelope_customer(state: bytes) -> UUID | None:
    """The customer an encrypted state belongs to (None for a plain one); cheap."""
    if len(state) < _PREFIX or not state.startswith(MAGIC):
        return None
    return UUID(bytes=bytes(state[len(MAGIC) : len(MAGIC) + 16]))


def associated_data(originator_id: UUID | str, version: int, topic: str, sealed: bytes) -> bytes:
    ident = originator_id.bytes if isinstance(originator_id, UUID) else originator_id.encode()
    return ident + struct.pack(">Q", version) + topic.encode() + b"\x00" + sealed


@lru_cache(maxsize=1024)
def _customer_aggregate_of_snapshot(topic: str) -> type | None:
    """The customer aggregate a snapshot's topic names (a snapshot's topic is its
    aggregate's class, not an event class), or None."""
    try:
        resolved = resolve_topic(topic)
    except Exception:
        return None
    if not isinstance(resolved, type):
        return None
    return next((a for a in CUSTOMER_AGGREGATES if issubclass(resolved, a)), None)


def _skeleton_value(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, str | int | None) else None


def _read_skeleton_value(name: str, value: Any) -> Any:
    if isinstance(value, str) and name.endswith("_id"):
        try:
            return UUID(value)
        except ValueError:
            return value
    return value


class EncryptingMapper(Mapper[UUID]):
    """The default mapper, sealing customers' events with their own keys."""

    # Set by the composition root (`infrastructure.encryption.install`).
    keys: CustomerKeys | None = None

    def _keys(self) -> CustomerKeys:
        if self.keys is None:
            raise RuntimeError("customer keys are not configured (install encryption first)")
        return self.keys

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        aggregate, state = self._customer_aggregate(domain_event)
        if aggregate is None:
            return stored
        customer_id = owning_customer(aggregate, stored.originator_id, state)  # type: ignore[arg-type]
        keys = self._keys()
        if isinstance(domain_event, Customer.CustomerCreated):
            data_key = keys.new_key(customer_id)
        else:
            found = keys.key_for(customer_id)
            if found is None:
                raise CustomerErased(f"customer {customer_id} is erased")
            data_key = found
        skeleton: dict[str, Any] = {
            "timestamp": _skeleton_value(
                state.get("timestamp", vars(domain_event).get("timestamp"))
            )
        }
        for name in SKELETON_FIELDS:
            if name in state:
                skeleton[name] = _skeleton_value(state[name])
        head = json.dumps(skeleton, separators=(",", ":"), sort_keys=True).encode()
        sealed = MAGIC + customer_id.bytes + struct.pack(">H", len(head)) + head
        nonce = secrets.token_bytes(_NONCE)
        aad = associated_data(stored.originator_id, stored.originator_version, stored.topic, sealed)
        ciphertext = data_key.cipher.encrypt(nonce, stored.state, aad)
        return StoredEvent(
            originator_id=stored.originator_id,
            originator_version=stored.originator_version,
            topic=stored.topic,
            state=sealed + nonce + ciphertext,
        )

    @staticmethod
    def _customer_aggregate(domain_event: Any) -> tuple[type | None, dict[str, Any]]:
        """Which customer aggregate an event or snapshot belongs to, and its fields."""
        state: dict[str, Any] = vars(domain_event)
        snapshot_of = state.get("topic") if "state" in state else None
        if isinstance(snapshot_of, str) and isinstance(state.get("state"), dict):
            return _customer_aggregate_of_snapshot(snapshot_of), state["state"]
        return customer_aggregate_of(type(domain_event)), state

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        state = stored_event.state
        if not state.startswith(MAGIC):
            return super().to_domain_event(stored_event)
        plain = self.decrypted_state(stored_event)
        if plain is None:
            return self._erased(stored_event, Envelope.parse(state))
        return super().to_domain_event(
            StoredEvent(
                originator_id=stored_event.originator_id,
                originator_version=stored_event.originator_version,
                topic=stored_event.topic,
                state=plain,
            )
        )

    def decrypted_state(self, stored_event: StoredEvent) -> bytes | None:
        """The encoded state inside an encrypted event; None once its key is destroyed.

        Raises `MapperDeserialisationError` when it does not decrypt (altered or moved).
        """
        state = stored_event.state
        if not state.startswith(MAGIC):
            return state
        where = (
            f"stored event {stored_event.originator_id} version"
            f" {stored_event.originator_version} ({stored_event.topic})"
        )
        try:
            envelope = Envelope.parse(state)
            data_key = self._keys().key_for(envelope.customer_id)
        except (ValueError, KeyMissing) as error:
            raise MapperDeserialisationError(f"cannot read {where}: {error}") from error
        if data_key is None:
            return None
        aad = associated_data(
            stored_event.originator_id,
            stored_event.originator_version,
            stored_event.topic,
            envelope.sealed_part,
        )
        try:
            return data_key.cipher.decrypt(envelope.nonce, envelope.ciphertext, aad)
        except InvalidTag:
            raise MapperDeserialisationError(
                f"cannot read {where}: it does not decrypt under its customer's key"
                " (altered, or copied from another row)"
            ) from None

    @staticmethod
    def _erased(stored_event: StoredEvent, envelope: Envelope) -> ErasedEvent:
        known = {
            name: _read_skeleton_value(name, value)
            for name, value in envelope.skeleton.items()
            if name in SKELETON_FIELDS
        }
        originator_id = stored_event.originator_id
        return ErasedEvent(
            originator_id=originator_id if isinstance(originator_id, UUID) else UUID(originator_id),
            originator_version=stored_event.originator_version,
            timestamp=datetime.fromisoformat(envelope.skeleton["timestamp"]),
            topic=stored_event.topic,
            customer_id=envelope.customer_id,
            known=known,
        )
