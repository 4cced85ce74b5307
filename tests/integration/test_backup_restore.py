"""Backup and restore drill: `pg_dump` of a populated store (events, read models and the key
table `customer_keys`) taken while the service runs, restored into a new database; the
service started on it finds `projections verify --all` and `audit verify` clean, every
customer present with its notes and files, and an erased customer still erased."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from infrastructure.bootstrap import Services
from infrastructure.settings import Settings
from tests.support.api import Account, signup
from tests.support.cli import docintake_in_process, environment
from tests.support.databases import ADMIN_URL
from tests.support.server import running_server
from tests.support.uploads import create_link, pdf_bytes, token_of, upload

pytestmark = pytest.mark.postgres

CUSTOMERS = [
    ("Jürgen Müller", "Müller Steuerberatung"),
    ("Ayşe Yılmaz", None),
    ("Renée Ångström", "Straße & Söhne GmbH"),
    ("Zoë 🌷 Þórsdóttir", None),
    ("Дмитрий Иванов", "ООО Ромашка"),
]


@pytest.fixture
def restored_database() -> Iterator[str]:
    name = f"dit_restore_{uuid.uuid4().hex[:12]}"
    base, _, _ = ADMIN_URL.rpartition("/")
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def populate(owner: Account, client: httpx.Client) -> tuple[dict[str, str], str]:
    """Customers with notes, a link and a file each; one deleted. Names by id, and the
    deleted customer's id."""
    names: dict[str, str] = {}
    for name, company in CUSTOMERS:
        customer = owner.create_customer(name, company=company)
        names[customer["id"]] = name
        note = owner.post(
            f"/api/v1/customers/{customer['id']}/notes", json={"text": f"Notiz zu {name}"}
        )
        assert note.status_code == 201
        link = create_link(owner, customer["id"], title="Unterlagen 2024")
        sent = upload(client, link, ("Kündigung – 2024.pdf", pdf_bytes(30_000)))
        assert sent.status_code == 201, sent.text
    doomed = owner.create_customer("Gelöschte Kundin")
    assert owner.delete(f"/api/v1/customers/{doomed['id']}").status_code == 204
    return names, str(doomed["id"])


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_dump_restored_into_a_new_database_serves_everything(
    settings: Settings,
    make_services: Callable[..., Services],
    restored_database: str,
    tmp_path: Path,
) -> None:
    assert settings.database_url is not None
    dump = tmp_path / "docintake.dump"
    with running_server(make_services()) as url, httpx.Client(base_url=url, timeout=30) as client:
        owner = signup(client, plan="team", name="Kanzlei Weiß")
        names, deleted_id = populate(owner, client)
        # Taken while the service runs (pg_dump reads one consistent snapshot).
        subprocess.run(
            ["pg_dump", "--format=custom", f"--file={dump}", settings.database_url],
            check=True,
            capture_output=True,
            timeout=120,
        )
    listing = subprocess.run(
        ["pg_restore", "--list", str(dump)], check=True, capture_output=True, text=True
    ).stdout
    for table in ("customer_keys", "docintake_events", "customer_list"):
        assert f"TABLE public {table} " in listing, table

    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={restored_database}", str(dump)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    env = environment(settings, database_url=restored_database)
    verified = docintake_in_process(env, "projections", "verify", "--all")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    audited = docintake_in_process(env, "audit", "verify")
    assert audited.returncode == 0, audited.stdout + audited.stderr

    restored = make_services(database_url=restored_database)
    with running_server(restored) as url, httpx.Client(base_url=url, timeout=30) as client:
        again = Account(owner.organization_id, owner.user_id, owner.token, owner.email, client)
        assert client.get("/ready").status_code == 200
        listed = again.get("/api/v1/customers", params={"limit": 100}).json()
        assert {item["id"]: item["name"] for item in listed["items"]} == names
        for customer_id, name in names.items():
            detail = again.get(f"/api/v1/customers/{customer_id}").json()
            assert [n["text"] for n in detail["notes"]] == [f"Notiz zu {name}"]
            files = again.get(f"/api/v1/customers/{customer_id}/files").json()["items"]
            assert [f["filename"] for f in files] == ["Kündigung – 2024.pdf"]
            content = again.get(f"/api/v1/files/{files[0]['id']}/content")
            assert content.status_code == 200
            assert content.content.startswith(b"%PDF-1.4")
        assert again.get(f"/api/v1/customers/{deleted_id}").status_code == 404
        # And it takes new work: the restored log goes on.
        assert again.create_customer("Neu nach der Wiederherstellung")["name"]
        assert len(again.get("/api/v1/customers").json()["items"]) == len(names) + 1
        link = create_link(again, next(iter(names)), title="Nachreichung")
        assert upload(client, link, ("Nachtrag.pdf", pdf_bytes())).status_code == 201
        assert token_of(link)
