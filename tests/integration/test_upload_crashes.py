"""Crashes around an upload: never an event without bytes, never a double status change.

Faults are injected by wrapping the real file store (the bytes still go to disk or
S3); the application and the event store are the real ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from application.ports import FileStore
from application.storage_keys import incoming_key
from infrastructure.bootstrap import Services
from tests.integration.storage.test_storage_contract import staging_left
from tests.support.api import Account, signup
from tests.support.cli import docintake, environment
from tests.support.server import free_port, running_server
from tests.support.uploads import create_link, pdf_bytes, upload


@pytest.fixture
def own(make_services: Callable[..., Services]) -> Iterator[tuple[Services, httpx.Client, Account]]:
    """A server of this test's own: crash tests inspect the whole store."""
    services = make_services(port=free_port())
    with running_server(services) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield services, client, signup(client, plan="team")


class CrashingPromote:
    """The real store, except that moving bytes to their final key dies once."""

    def __init__(self, store: FileStore) -> None:
        self.store = store
        self.crashes = 1

    def promote(self, temporary_key: str, final_key: str) -> None:
        if self.crashes:
            self.crashes -= 1
            raise RuntimeError("process died between recording and moving the bytes")
        self.store.promote(temporary_key, final_key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_a_crash_after_recording_leaves_bytes_the_sweeper_finishes(
    own: tuple[Services, httpx.Client, Account],
) -> None:
    services, http, account = own
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    real_store = services.app.file_store
    services.app.file_store = CrashingPromote(real_store)  # type: ignore[assignment]
    payload = pdf_bytes(50_000)
    crashed = upload(http, link, ("beleg.pdf", payload))
    services.app.file_store = real_store
    # Recorded before the move failed: for the client the upload went through.
    assert crashed.status_code == 201

    # The event was recorded, with the automatic status change, exactly once.
    files = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert len(files) == 1
    file_id = files[0]["id"]
    assert real_store.exists(incoming_key(file_id))  # type: ignore[arg-type]
    # The bytes can be read even before the sweeper moved them.
    content = account.get(f"/api/v1/files/{file_id}/content")
    assert content.content == payload

    result = services.app.storage.sweep(older_than=timedelta(0))
    assert result == {"finished": 1, "removed": 0}
    assert sorted(k for k, _ in real_store.list("")) == [f"files/{file_id}"]
    assert hashlib.sha256(account.get(f"/api/v1/files/{file_id}/content").content).hexdigest() == (
        hashlib.sha256(payload).hexdigest()
    )

    assert upload(http, link, ("zweite.pdf", pdf_bytes())).status_code == 201
    history = account.get(f"/api/v1/customers/{customer['id']}/history").json()["events"]
    assert [e["data"]["reason"] for e in history if e["type"] == "StatusChanged"] == ["automatic"]


def test_a_crash_before_recording_leaves_no_event_and_the_sweeper_removes_the_bytes(
    own: tuple[Services, httpx.Client, Account],
) -> None:
    services, _, account = own
    customer = account.create_customer()
    orphan = incoming_key(uuid4())
    writer = services.app.customer_files(UUID(customer["id"])).writer(orphan)
    writer.write(b"%PDF-1.4 half an upload")
    writer.commit()
    assert services.app.storage.sweep(older_than=timedelta(hours=1)) == {
        "finished": 0,
        "removed": 0,
    }
    assert services.app.storage.sweep(older_than=timedelta(0)) == {"finished": 0, "removed": 1}
    assert list(services.file_store.list("")) == []
    assert account.get(f"/api/v1/customers/{customer['id']}").json()["status"] == "open"


def test_a_failed_recording_keeps_nothing_and_the_status_moves_once(
    own: tuple[Services, httpx.Client, Account],
) -> None:
    services, http, account = own
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    real_record: Callable[..., int] = services.app.record
    calls = {"n": 0}

    def dying_record(*aggregates: Any) -> int:
        if any(type(a).__name__ == "ReceivedFile" for a in aggregates) and calls["n"] == 0:
            calls["n"] += 1
            raise RuntimeError("the database went away mid-upload")
        return real_record(*aggregates)

    services.app.record = dying_record  # type: ignore[method-assign]
    failed = upload(http, link, ("a.pdf", pdf_bytes()))
    services.app.record = real_record  # type: ignore[method-assign]
    assert failed.status_code == 500
    assert account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"] == []
    assert list(services.file_store.list("")) == []
    assert account.get(f"/api/v1/customers/{customer['id']}").json()["status"] == "open"

    assert upload(http, link, ("a.pdf", pdf_bytes())).status_code == 201
    assert upload(http, link, ("b.pdf", pdf_bytes())).status_code == 201
    history = account.get(f"/api/v1/customers/{customer['id']}/history").json()["events"]
    assert [e["data"]["reason"] for e in history if e["type"] == "StatusChanged"] == ["automatic"]


def test_the_sweep_removes_what_a_killed_upload_was_writing(
    own: tuple[Services, httpx.Client, Account],
) -> None:
    services, _, account = own
    customer = account.create_customer()
    # What a server killed mid-upload leaves: a writer never committed nor aborted,
    # past one S3 part (the store's part size), so the bucket holds an unfinished upload.
    killed = services.app.customer_files(UUID(customer["id"])).writer(incoming_key(uuid4()))
    killed.write(os.urandom(9 * 1024 * 1024))
    del killed
    assert services.app.storage.sweep(timedelta(hours=1)) == {"finished": 0, "removed": 0}
    assert staging_left(services.file_store) == 1
    time.sleep(1.1)  # S3 times have one-second resolution
    swept = docintake(
        environment(services.settings), "storage", "sweep", "--older-than-minutes", "0"
    )
    assert swept.returncode == 0, swept.stderr
    assert json.loads(swept.stdout) == {"finished": 0, "removed": 1}
    assert staging_left(services.file_store) == 0
    assert list(services.file_store.list("")) == []
