"""Wiring of encryption at rest: the master key, the customers' keys, the mapper and
recorder that use them, and the signing key of audit checkpoints."""

from __future__ import annotations

import base64
import logging
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from eventsourcing.application import Application
from eventsourcing.utils import get_topic

from infrastructure.customer_keys import CustomerKeys
from infrastructure.event_encryption import EncryptingMapper
from infrastructure.event_store import PostgresEventStore, SqliteEventStore
from infrastructure.master_key import (
    MasterKey,
    MasterKeyError,
    embedded_master_key,
    write_key_file,
)
from infrastructure.settings import MASTER_KEY_REQUIRED, Settings, SettingsError

log = logging.getLogger(__name__)

SIGNING_KEY_FILE = "audit-signing.key"

EventStore = SqliteEventStore | PostgresEventStore


def encryption_environment(settings: Settings) -> dict[str, str]:
    """The eventsourcing settings that choose our mapper and recorder."""
    recorder = SqliteEventStore if settings.database_url is None else PostgresEventStore
    return {
        "MAPPER_TOPIC": get_topic(EncryptingMapper),
        "APPLICATION_RECORDER_TOPIC": get_topic(recorder),
    }


def master_key_for(settings: Settings) -> MasterKey:
    """DOCINTAKE_MASTER_KEY, or in embedded mode the generated key file."""
    if settings.master_key is not None:
        return settings.master_key
    if settings.database_url is not None:
        raise SettingsError(MASTER_KEY_REQUIRED)
    return embedded_master_key(settings.data_dir)


def event_store_of(app: Application[Any]) -> EventStore:
    recorder = app.recorder
    if not isinstance(recorder, SqliteEventStore | PostgresEventStore):
        raise RuntimeError("the application does not use docintake's event store recorder")
    return recorder


def install_encryption(app: Application[Any], master: MasterKey) -> CustomerKeys:
    """Give the mapper and the recorder this process's key store.

    Refuses a master key that did not wrap the keys already in the table: a wrong
    key must stop the process at start, not fail at the first read.
    """
    recorder = event_store_of(app)
    mapper = app.mapper
    if not isinstance(mapper, EncryptingMapper):
        raise RuntimeError("the application does not use the encrypting mapper")
    check_master_key(recorder, master)
    keys = CustomerKeys(master, recorder)
    recorder.keys = keys
    mapper.keys = keys
    return keys


def check_master_key(recorder: EventStore, master: MasterKey) -> None:
    for _customer, wrapped, fingerprint in recorder.wrapped_keys()[:1]:
        if fingerprint not in (None, master.fingerprint):
            raise MasterKeyError(
                "DOCINTAKE_MASTER_KEY: this is not the master key the key table was written"
                " with (rotate with `docintake keys rotate-master`, never by swapping keys)"
            )
        master.unwrap(wrapped)


def audit_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """DOCINTAKE_AUDIT_SIGNING_KEY, or in embedded mode a key generated once into DATA_DIR."""
    if settings.audit_signing_key is not None:
        return Ed25519PrivateKey.from_private_bytes(settings.audit_signing_key)
    if settings.database_url is not None:
        raise SettingsError(
            "DOCINTAKE_AUDIT_SIGNING_KEY: required to sign checkpoints when"
            " DOCINTAKE_DATABASE_URL is set (base64 of 32 random bytes)"
        )
    path = settings.data_dir / SIGNING_KEY_FILE
    if path.exists():
        seed = base64.b64decode(path.read_text().strip())
        return Ed25519PrivateKey.from_private_bytes(seed)
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    write_key_file(path, base64.b64encode(seed).decode())
    log.warning("generated a new audit signing key in %s", path)
    return key
