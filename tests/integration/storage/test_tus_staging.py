"""Resumable uploads staged in the stored objects' format: pieces of any size (across
segment edges, cut off, refused, continued by another process) become, at the last byte,
the customer's encrypted object itself, handed to the store without a second encryption,
on local storage and on S3."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from application.ports import FileStore
from application.resumable_uploads import StagedUpload, StagingMissing
from application.storage_keys import incoming_key
from infrastructure.customer_keys import CustomerErased, CustomerKeys
from infrastructure.encrypted_file_store import SEGMENT, EncryptingFileStore
from infrastructure.file_store_local import LocalFileStore
from infrastructure.master_key import MasterKey
from infrastructure.tus_staging import TusStaging


class KeyRows:
    """The wrapped keys, as the event store's key table holds them."""

    def __init__(self) -> None:
        self.rows: dict[UUID, bytes | None] = {}

    def fetch_keys(self, customer_ids: Iterable[UUID]) -> Mapping[UUID, bytes | None]:
        return {i: self.rows[i] for i in customer_ids if i in self.rows}


def customer_key_of(keys: CustomerKeys) -> Callable[[UUID], bytes]:
    def key(customer_id: UUID) -> bytes:
        data_key = keys.key_for(customer_id)
        if data_key is None:
            raise CustomerErased(str(customer_id))
        return data_key.key

    return key


def staged(customer_id: UUID, length: int) -> StagedUpload:
    return StagedUpload(
        upload_id=uuid4(),
        link_id=uuid4(),
        customer_id=customer_id,
        length=length,
        filename="Kündigung – 2024 😀.pdf",
        item_id=None,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )


def append(staging: TusStaging, upload: StagedUpload, data: bytes, *, commit: bool = True) -> int:
    with staging.appending(upload.upload_id) as appender:
        for start in range(0, len(data), 100_003):
            appender.write(data[start : start + 100_003])
        if commit:
            return appender.commit()
    return staging.offset(upload.upload_id)


@pytest.mark.parametrize("length", [3 * SEGMENT, 3 * SEGMENT + 12_345])
def test_a_finished_upload_is_the_stored_object_without_a_second_encryption(
    store: FileStore, tmp_path: Path, length: int
) -> None:
    rows = KeyRows()
    keys = CustomerKeys(MasterKey.generate(), rows)
    customer = uuid4()
    rows.rows[customer] = keys.new_key(customer).wrapped
    content = b"%PDF-1.7\n" + os.urandom(length - 9)
    staging = TusStaging(tmp_path / "tus", customer_key_of(keys), store)
    upload = staged(customer, length)
    staging.create(upload)

    assert append(staging, upload, content[: SEGMENT - 1]) == SEGMENT - 1
    # Not committed (a refused checksum): cut off again, the offset stays.
    assert append(staging, upload, content[SEGMENT - 1 : 2 * SEGMENT], commit=False) == SEGMENT - 1
    assert append(staging, upload, content[SEGMENT - 1 : 2 * SEGMENT + 5]) == 2 * SEGMENT + 5
    assert staging.head(upload.upload_id, 9) == b"%PDF-1.7\n"
    # Another process continues (it has not followed the digest: computed again at the end).
    other = TusStaging(tmp_path / "tus", customer_key_of(keys), store)
    assert append(other, upload, content[2 * SEGMENT + 5 :]) == length
    folder = tmp_path / "tus" / upload.upload_id.hex
    at_rest = b"".join(p.read_bytes() for p in folder.iterdir())
    assert content[:4096] not in at_rest and content[-4096:] not in at_rest
    assert b"".join(other.read(upload.upload_id)) == content

    key = incoming_key(upload.file_id)
    assert other.deliver(upload.upload_id, key) == hashlib.sha256(content).hexdigest()
    other.delete(upload.upload_id)
    assert not folder.exists()
    files = EncryptingFileStore(store, keys).for_customer(customer)
    assert b"".join(files.read(key)) == content

    # The same process followed every byte: no reading back, the same digest.
    again = staged(customer, length)
    staging.create(again)
    append(staging, again, content)
    assert staging.deliver(again.upload_id, incoming_key(again.file_id)) == (
        hashlib.sha256(content).hexdigest()
    )
    assert b"".join(files.read(incoming_key(again.file_id))) == content

    # Erasing the customer's key makes staged and stored bytes unreadable.
    left = staged(customer, length)
    staging.create(left)
    append(staging, left, content[:1000])
    rows.rows[customer] = None
    erased = CustomerKeys(keys.master, rows)
    with pytest.raises(CustomerErased):
        list(TusStaging(tmp_path / "tus", customer_key_of(erased), store).read(left.upload_id))
    with pytest.raises(CustomerErased):
        list(EncryptingFileStore(store, erased).for_customer(customer).read(key))


def test_an_upload_staged_in_the_earlier_format_is_not_continued(tmp_path: Path) -> None:
    rows = KeyRows()
    keys = CustomerKeys(MasterKey.generate(), rows)
    customer = uuid4()
    rows.rows[customer] = keys.new_key(customer).wrapped
    staging = TusStaging(tmp_path / "tus", customer_key_of(keys), LocalFileStore(tmp_path / "o"))
    upload = staged(customer, 10)
    staging.create(upload)
    earlier = {k: v for k, v in asdict(upload).items() if k != "file_id"}
    cipher = staging._cipher(customer, upload.upload_id)
    nonce = os.urandom(12)
    sealed = cipher.encrypt(
        nonce, json.dumps(earlier, default=str).encode(), upload.upload_id.bytes
    )
    (tmp_path / "tus" / upload.upload_id.hex / "meta").write_bytes(nonce + sealed)
    with pytest.raises(StagingMissing):
        staging.describe(upload.upload_id)
