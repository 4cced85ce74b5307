"""SQLite's write-ahead logs (read models, event log) are emptied after an erasure even when
readers hold them longer than the first attempt after the erasing commit waits: the scrub
keeps trying in the background, and a scrub left undone when the process stopped is done at
the next start."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from infrastructure.bootstrap import Services
from infrastructure.database import SqliteDatabase
from infrastructure.encryption import event_store_of
from tests.integration.erasure.test_erasure import caught_up, every_file, storage_bytes
from tests.support.api import signup
from tests.support.direct_jobs import signed_up_owner
from tests.support.jobs import wait_until
from tests.support.server import running_server

pytestmark = pytest.mark.timeout(120)


def wal_of(path: Path) -> bytes:
    wal = path.with_name(f"{path.name}-wal")
    return wal.read_bytes() if wal.exists() else b""


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_reader_holding_the_log_past_the_first_attempt_only_delays_the_scrub(
    make_services: Callable[..., Services], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    services = make_services()
    database = services.database
    assert isinstance(database, SqliteDatabase)
    marker = uuid4().hex[:10]
    with running_server(services) as url, httpx.Client(base_url=url, timeout=30) as http:
        owner = signup(http, plan="team")
        customer = owner.create_customer(f"Zoë Müller-Strauß {marker}")
        wait_until(caught_up(services), what="read models caught up")

        # A reader in the middle of a long read: the log cannot be emptied under it.
        reader = sqlite3.connect(database.path, isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM customer_list").fetchone()
            assert owner.delete(f"/api/v1/customers/{customer['id']}").status_code == 204
            wait_until(caught_up(services), what="read models caught up")
            wait_until(
                lambda: any("readers hold" in r.getMessage() for r in caplog.records),
                what="an attempt after the erasing commit outwaited by the reader",
            )
            assert marker.encode() in wal_of(database.path)
            assert database.scrubber.marker.exists()

            reader.execute("ROLLBACK")

            def stored() -> set[str]:
                return {
                    where
                    for where, data in storage_bytes(services, None)
                    if marker.encode() in data
                }

            # (The marker goes just after the checkpoint that emptied the log returns.)
            wait_until(
                lambda: not stored() and not database.scrubber.marker.exists(),
                timeout=10,
                what="no stored byte naming the customer, and no scrub owed",
            )
        finally:
            reader.close()

    assert any("scrubbed in the background" in r.getMessage() for r in caplog.records)
    assert [r for r in caplog.records if marker in r.getMessage()] == []


def test_a_scrub_left_undone_at_close_is_done_at_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "read_models.sqlite"
    name = f"Jürgen Groß {uuid4().hex[:10]}".encode()
    database = SqliteDatabase(path, scrub_wait=0.05)
    with database.transaction() as tx:
        tx.execute("CREATE TABLE people (name BLOB)")
        tx.execute("INSERT INTO people VALUES (%s)", (name,))
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM people").fetchone()
        with database.transaction() as tx:
            tx.execute("DELETE FROM people")
            tx.erasing()
        database.close()  # the reader outlasts this process's last attempt
        assert name in wal_of(path)
        assert database.scrubber.marker.exists()
        reader.execute("ROLLBACK")

        # The reader's connection stays open, so nothing empties the log on its own.
        started = SqliteDatabase(path, scrub_wait=0.05)
        try:
            assert not [p for p in every_file(tmp_path) if name in p.read_bytes()]
            assert not started.scrubber.marker.exists()
        finally:
            started.close()
    finally:
        reader.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_destroyed_key_leaves_the_disk_once_a_reader_of_the_event_log_lets_go(
    make_services: Callable[..., Services],
) -> None:
    services = make_services()
    data_dir = services.settings.data_dir
    owner, _ = signed_up_owner(services, "Kanzlei Schlüssel")
    customer = services.app.customers.create(owner, "Zoë Müller-Strauß", None)
    [wrapped] = event_store_of(services.app).fetch_keys([customer.id]).values()
    assert wrapped is not None

    def on_disk() -> list[Path]:
        return [path for path in every_file(data_dir) if wrapped in path.read_bytes()]

    reader = sqlite3.connect(data_dir / "events.sqlite", isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
        services.app.customers.delete(owner, customer.id)
        assert on_disk()  # the reader keeps the key's old page where it was
        reader.execute("ROLLBACK")
        wait_until(
            lambda: not on_disk() and not (data_dir / "events.sqlite-scrub").exists(),
            timeout=10,
            what="no file holding the destroyed key, and no scrub owed",
        )
    finally:
        reader.close()
