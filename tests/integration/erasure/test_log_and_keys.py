"""The hash chain catches tampering, ciphertexts are bound to their rows, files are
authenticated, keys rotate, and a second process stops using a destroyed key."""

from __future__ import annotations

import io
import os
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest

from application.errors import StoredFileDamaged
from domain.erasure import ErasedEvent
from infrastructure.bootstrap import Services
from infrastructure.encryption import event_store_of
from infrastructure.event_chain import GENESIS, Checkpoint, chain_link
from infrastructure.master_key import MasterKey, MasterKeyError
from infrastructure.settings import Settings
from tests.support.api import Account, signup
from tests.support.cli import docintake_in_process, environment
from tests.support.server import running_server
from tests.support.uploads import create_link, pdf_bytes, upload

pytestmark = pytest.mark.timeout(180)
PG_EVENTS = "docintake_events"  # eventsourcing names the table after the application


@contextmanager
def raw_events(settings: Settings) -> Iterator[Callable[[str, tuple[Any, ...]], list[Any]]]:
    """An attacker's direct access to the event store (triggers off on PostgreSQL)."""
    if settings.database_url is None:
        connection = sqlite3.connect(settings.data_dir / "events.sqlite", isolation_level=None)
        yield lambda sql, params=(): connection.execute(sql.replace("%s", "?"), params).fetchall()
        connection.close()
        return
    with psycopg.connect(settings.database_url, autocommit=True) as connection:
        connection.execute("SET session_replication_role = replica")

        def run(sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
            sql = sql.replace("rowid", "notification_id").replace("stored_events", PG_EVENTS)
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

        yield run


def some_history(services: Services) -> tuple[UUID, Any]:
    app = services.app
    signed = app.accounts.sign_up(
        "Kanzlei Prüf", "pruef@example.com", "correct horse battery", "team"
    )
    principal = app.accounts.authenticate(signed.token)
    customer = app.customers.create(principal, "Anna Österreich", "anna@example.at", "Ö GmbH").id
    for text in ("erste Notiz", "zweite Notiz", "dritte Notiz"):
        app.customers.add_note(principal, customer, text)
    return customer, principal


@pytest.mark.parametrize("tampering", ["edit", "delete", "insert", "swap"])
def test_audit_verify_names_the_first_broken_position(
    make_services: Callable[..., Services], settings: Settings, tampering: str
) -> None:
    services = make_services(run_projections=False)
    some_history(services)
    audit = services.audit_log()
    intact = audit.verify()
    assert intact.intact and intact.checked >= 6
    target = intact.head_position - 2
    with raw_events(settings) as sql:
        if tampering == "edit":
            sql("UPDATE stored_events SET state = %s WHERE rowid = %s", (b'{"x":1}', target))
        elif tampering == "delete":
            sql("DELETE FROM stored_events WHERE rowid = %s", (target,))
        elif tampering == "swap":
            a = sql("SELECT state FROM stored_events WHERE rowid = %s", (target,))[0][0]
            b = sql("SELECT state FROM stored_events WHERE rowid = %s", (target + 1,))[0][0]
            sql("UPDATE stored_events SET state = %s WHERE rowid = %s", (b, target))
            sql("UPDATE stored_events SET state = %s WHERE rowid = %s", (a, target + 1))
        else:
            # Make room in the middle and put a forged event there (chain rows untouched).
            rows = sql(
                "SELECT rowid, originator_id, originator_version, topic, state"
                " FROM stored_events WHERE rowid >= %s ORDER BY rowid DESC",
                (target,),
            )
            for row in rows:
                sql("UPDATE stored_events SET rowid = %s WHERE rowid = %s", (row[0] + 1, row[0]))
            forged = (target, rows[-1][1], 999, rows[-1][3], rows[-1][4])
            sql(
                "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state)"
                " VALUES (%s, %s, %s, %s, %s)",
                forged,
            )
    report = audit.verify()
    assert not report.intact
    assert report.broken_at == target, report
    assert docintake_in_process(environment(settings), "audit", "verify").returncode == 1


def test_a_signed_checkpoint_proves_the_log_up_to_it_unchanged(
    make_services: Callable[..., Services], settings: Settings, tmp_path: Any
) -> None:
    services = make_services(run_projections=False)
    customer, principal = some_history(services)
    env = environment(settings, audit_signing_key=os.urandom(32))
    out = tmp_path / "checkpoint.json"
    made = docintake_in_process(env, "audit", "checkpoint", "--out", str(out))
    assert made.returncode == 0, made.stderr
    checked = docintake_in_process(env, "audit", "verify", "--checkpoint", str(out))
    assert checked.returncode == 0, checked.stderr
    # Later events leave the checkpoint valid.
    services.app.customers.add_note(principal, customer, "später")
    assert docintake_in_process(env, "audit", "verify", "--checkpoint", str(out)).returncode == 0
    # A forged signature, or another key, is refused.
    checkpoint = Checkpoint.from_json(out.read_text())
    forged = Checkpoint(**{**checkpoint.__dict__, "head_hash": "00" * 32})
    out.write_text(forged.to_json())
    refused = docintake_in_process(env, "audit", "verify", "--checkpoint", str(out))
    assert refused.returncode == 1 and "signature" in refused.stderr


def rechain(sql: Callable[[str, tuple[Any, ...]], list[Any]]) -> None:
    """What an attacker with write access does after editing the log: recompute every link."""
    previous = GENESIS
    rows = sql(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events"
        " ORDER BY rowid",
        (),
    )
    for position, originator, version, topic, state in rows:
        originator_id = originator if isinstance(originator, UUID) else UUID(originator)
        previous = chain_link(previous, position, originator_id, version, topic, bytes(state))
        sql("UPDATE event_chain SET hash = %s WHERE notification_id = %s", (previous, position))


def test_a_checkpoint_catches_a_log_rewritten_and_chained_anew(
    make_services: Callable[..., Services], settings: Settings, tmp_path: Any
) -> None:
    services = make_services(run_projections=False)
    customer, principal = some_history(services)
    env = environment(settings, audit_signing_key=os.urandom(32))
    out = tmp_path / "checkpoint.json"
    assert docintake_in_process(env, "audit", "checkpoint", "--out", str(out)).returncode == 0
    services.app.customers.add_note(principal, customer, "nach dem Prüfpunkt")
    checkpoint = Checkpoint.from_json(out.read_text())
    # Rewrite an event before the checkpoint (the second note becomes the third's) and
    # recompute the whole chain: the log alone no longer shows anything.
    with raw_events(settings) as sql:
        originator = customer.hex if settings.database_url is None else customer
        [third] = sql(
            "SELECT state FROM stored_events WHERE originator_id = %s AND originator_version = 4",
            (originator,),
        )
        sql(
            "UPDATE stored_events SET state = %s"
            " WHERE originator_id = %s AND originator_version = 3",
            (third[0], originator),
        )
        rechain(sql)
    assert services.audit_log().verify().intact
    assert docintake_in_process(env, "audit", "verify").returncode == 0
    # The signed checkpoint does not match the rewritten log.
    refused = docintake_in_process(env, "audit", "verify", "--checkpoint", str(out))
    assert refused.returncode == 1, refused.stdout
    assert f"position {checkpoint.position}" in refused.stderr
    assert "rewritten" in refused.stderr


def test_a_ciphertext_moved_to_another_row_fails_to_decode(
    make_services: Callable[..., Services], settings: Settings
) -> None:
    services = make_services(run_projections=False)
    customer, _principal = some_history(services)
    store = event_store_of(services.app)
    events = store.select_events(customer)
    assert len(events) == 4
    with raw_events(settings) as sql:
        sql(
            "UPDATE stored_events SET state = %s"
            " WHERE originator_id = %s AND originator_version = 3",
            (events[1].state, customer.hex if settings.database_url is None else customer),
        )
    with pytest.raises(Exception, match="does not decrypt"):
        list(services.app.events.get(customer))


def test_rotating_the_master_key_rewraps_every_key_and_the_old_one_opens_nothing(
    make_services: Callable[..., Services], settings: Settings
) -> None:
    services = make_services(run_projections=False)
    customer, _principal = some_history(services)
    old = settings.master_key or MasterKey.parse((settings.data_dir / "master.key").read_text())
    new = MasterKey.generate()
    services.close()
    rotated = docintake_in_process(
        environment(settings, new_master_key=new), "keys", "rotate-master"
    )
    assert rotated.returncode == 0, rotated.stderr
    wrapped = event_store_of(
        make_services(master_key=new, run_projections=False).app
    ).wrapped_keys()
    assert wrapped
    for _customer, key, fingerprint in wrapped:
        assert fingerprint == new.fingerprint
        new.unwrap(key)
        with pytest.raises(MasterKeyError):
            old.unwrap(key)
    reopened = make_services(master_key=new, run_projections=False)
    assert reopened.app.repository.get(customer).name == "Anna Österreich"
    with pytest.raises(MasterKeyError):
        make_services(master_key=old, run_projections=False)


def test_a_second_process_stops_decrypting_once_the_key_is_destroyed(
    make_services: Callable[..., Services],
) -> None:
    first = make_services(run_projections=False)
    customer, principal = some_history(first)
    second = make_services(run_projections=False)
    # The second process has the key cached from reading the customer.
    assert second.app.repository.get(customer).name == "Anna Österreich"
    first.app.customers.delete(principal, customer)
    # Its next read of the customer decodes skeletons only: the key is gone for it too.
    events = list(second.app.events.get(customer))
    assert events and all(isinstance(e, ErasedEvent) for e in events)
    assert second.app.repository.get(customer).deleted


def test_organisation_user_and_token_events_carry_no_customer_data(
    make_services: Callable[..., Services], settings: Settings
) -> None:
    services = make_services(run_projections=False)
    some_history(services)
    with raw_events(settings) as sql:
        plain = [
            (topic, bytes(state))
            for topic, state in sql("SELECT topic, state FROM stored_events", ())
            if not bytes(state).startswith(b"\x00dk1")
        ]
    assert plain and all(
        not topic.startswith(
            ("domain.customer", "domain.upload_link", "domain.received_file", "domain.sent_file")
        )
        for topic, _ in plain
    )
    for _topic, state in plain:
        for personal in (b"Anna", "Österreich".encode(), b"anna@example.at", b"Notiz"):
            assert personal not in state


def test_damaged_files_fail_to_download_and_never_give_wrong_bytes(
    make_services: Callable[..., Services], settings: Settings
) -> None:
    services = make_services()
    with running_server(services) as url, httpx.Client(base_url=url, timeout=30) as http:
        account = signup(http, plan="team")
        customer = account.create_customer("Bernd Brück")
        link = create_link(account, customer["id"])
        content = pdf_bytes(200_000)  # four segments
        [file] = upload(http, link, ("Akte.pdf", content)).json()["files"]
        path = f"/api/v1/files/{file['id']}/content"
        assert account.get(path).content == content
        inner = services.file_store.inner  # type: ignore[attr-defined]
        key = f"files/{file['id']}"
        stored = b"".join(inner.read(key))
        assert content[:1000] not in stored

        def put(data: bytes) -> None:
            writer = inner.writer(key)
            writer.write(data)
            writer.commit()

        for damaged in (
            stored[:-1],  # truncated
            stored[: 43 + 2 * (65536 + 16)],  # cut at a segment boundary
            stored[:100] + bytes([stored[100] ^ 1]) + stored[101:],  # a flipped byte
            stored[:43]
            + stored[43 + 65552 : 43 + 2 * 65552]
            + stored[43 : 43 + 65552]
            + stored[43 + 2 * 65552 :],  # two segments swapped
        ):
            put(damaged)
            assert_download_fails(account, path, content)
            with pytest.raises((StoredFileDamaged, Exception)):
                received = b"".join(services.app.files.read_object(UUID(customer["id"]), key))
                assert received == content  # never reached with wrong bytes


def assert_download_fails(account: Account, path: str, content: bytes) -> None:
    """Refused up front (500), or cut off mid-stream after authentic bytes only."""
    try:
        response = account.get(path)
    except httpx.RemoteProtocolError:
        return
    assert response.status_code == 500, response.status_code
    assert response.json()["error"]["code"] == "file_damaged"


def test_the_export_zip_holds_everything_about_the_customer(
    account: Account, other_account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer("Zoë Weiß", email="zoe@example.de", company="Weiß & Co")
    account.post(f"/api/v1/customers/{customer['id']}/notes", json={"text": "Rückruf am Montag"})
    link = create_link(account, customer["id"], title="Steuer 2024")
    content = pdf_bytes(90_000)
    assert upload(http, link, ("Lohnsteuer 2024.pdf", content)).status_code == 201
    response = account.get(f"/api/v1/customers/{customer['id']}/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert "kunde.json" in names and "verlauf.txt" in names
    assert archive.read("eingegangen/Lohnsteuer 2024.pdf") == content, names
    details = archive.read("kunde.json").decode()
    assert "Zoë Weiß" in details and "Rückruf am Montag" in details and "Steuer 2024" in details
    history = archive.read("verlauf.txt").decode()
    assert "Datei „Lohnsteuer 2024.pdf“" in history
    # Times where the organisation is, as on every page: no "UTC", the Berlin hour.
    assert "UTC" not in history
    created = datetime.fromisoformat(customer["created_at"].replace("Z", "+00:00"))
    berlin = created.astimezone(ZoneInfo("Europe/Berlin")).strftime("%d.%m.%Y, %H:%M")
    assert f"{berlin} – Kunde „Zoë Weiß“ angelegt" in history, history
    # Another organisation learns nothing, not even that the customer exists.
    assert other_account.get(f"/api/v1/customers/{customer['id']}/export").status_code == 404
