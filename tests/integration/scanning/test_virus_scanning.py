"""Virus scanning with a real clamd on loopback (its own EICAR signature database).

Every file uploaded while scanning is required waits `pending` until clamd has
seen it: EICAR is quarantined for good (403 `file_infected`, an event naming the
signature, in the activity), a clean file becomes downloadable, and with clamd
stopped files wait (409 `file_not_scanned`, never clean) and are scanned once it
is back.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from application.virus_scanning import VirusScanMode
from infrastructure.bootstrap import Services
from tests.support.api import PASSWORD, Account, signup
from tests.support.clamd import EICAR, Clamd
from tests.support.server import running_server
from tests.support.uploads import create_link, pdf_bytes, upload

pytestmark = pytest.mark.usefixtures("backend")


@contextmanager
def scanning_server(
    make_services: Callable[..., Services], clamd: Clamd, **overrides: Any
) -> Iterator[httpx.Client]:
    settings: dict[str, Any] = {
        "virus_scan": VirusScanMode.REQUIRED,
        "clamd_url": clamd.url,
        # Retries used up after 0.05 + 0.1 s; then the scan comes back every 0.2 s.
        "job_backoff_seconds": 0.05,
        "job_retries": 2,
    }
    services = make_services(**{**settings, **overrides})
    with running_server(services) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def file_of(account: Account, file_id: str) -> dict[str, Any]:
    response = account.get(f"/api/v1/files/{file_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_for_scan(
    account: Account, file_id: str, states: set[str], timeout: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = file_of(account, file_id)
        if found["scan"]["state"] in states:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"scan state stayed {found['scan']}")
        time.sleep(0.1)


def uploaded(client: httpx.Client, account: Account, *files: tuple[str, bytes]) -> list[str]:
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"])
    response = upload(client, link, *files)
    assert response.status_code == 201, response.text
    return [f["id"] for f in response.json()["files"]]


def test_eicar_is_quarantined_and_a_clean_file_becomes_downloadable(
    make_services: Callable[..., Services], clamd_server: Clamd
) -> None:
    with scanning_server(make_services, clamd_server) as client:
        account = signup(client, plan="team")
        infected, clean = uploaded(
            client, account, ("Kündigung – 2024.txt", EICAR), ("Müller.pdf", pdf_bytes())
        )

        quarantined = wait_for_scan(account, infected, {"infected"})
        assert quarantined["scan"]["signature"].startswith("Eicar-Test-Signature")
        refused = account.get(f"/api/v1/files/{infected}/content")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "file_infected"

        assert wait_for_scan(account, clean, {"clean"})["scan"] == {
            "state": "clean",
            "signature": None,
        }
        content = account.get(f"/api/v1/files/{clean}/content")
        assert content.status_code == 200
        assert content.content.startswith(b"%PDF-1.4")

        customer_id = quarantined["customer_id"]
        activity = account.get(f"/api/v1/customers/{customer_id}/activity").json()["items"]
        summaries = [item["summary"] for item in activity]
        assert any(
            "„Kündigung – 2024.txt“ enthält Schadsoftware (Eicar-Test-Signature" in s
            for s in summaries
        ), summaries
        assert "Datei „Müller.pdf“ auf Viren geprüft: sauber" in summaries
        listed = account.get(f"/api/v1/customers/{customer_id}/files").json()["items"]
        assert {f["id"]: f["scan"]["state"] for f in listed} == {
            infected: "infected",
            clean: "clean",
        }
        staff_page_shows_the_scan(client, account, customer_id, infected, clean)

        # Download all leaves the infected file out and names it in the index.
        archive = zipfile.ZipFile(
            io.BytesIO(account.get(f"/api/v1/customers/{customer_id}/files.zip").content)
        )
        assert sorted(archive.namelist()) == ["Inhalt.txt", "Weitere Dateien/Müller.pdf"]
        index = archive.read("Inhalt.txt").decode()
        assert "Nicht enthalten:" in index
        assert "Kündigung – 2024.txt – Schadsoftware gefunden (Eicar-Test-Signature" in index


def staff_page_shows_the_scan(
    client: httpx.Client, account: Account, customer_id: str, infected: str, clean: str
) -> None:
    """Staff see the scan in German; only the clean PDF has a download and a preview."""
    with httpx.Client(
        base_url=str(client.base_url), headers={"Accept-Language": "de-DE"}, timeout=30
    ) as browser:
        signed = browser.post(
            "/login", data={"email": account.email, "password": PASSWORD, "next": "/customers"}
        )
        assert signed.status_code == 303, signed.text
        page = browser.get(f"/customers/{customer_id}").text
        assert 'Virenprüfung: <span class="badge scan-infected">infiziert</span>' in page
        assert "Schadsoftware gefunden (Eicar-Test-Signature" in page
        assert '<span class="badge scan-clean">sauber</span>' in page
        assert f"/files/{infected}/download" not in page
        assert f"/files/{infected}/preview" not in page
        assert f"/files/{clean}/download" in page
        assert f"/files/{clean}/preview" in page

        preview = browser.get(f"/files/{clean}/preview")
        assert preview.status_code == 200
        assert preview.headers["content-type"] == "application/pdf"
        assert preview.headers["content-disposition"].startswith("inline;")
        assert "sandbox" in preview.headers["content-security-policy"]
        assert preview.content.startswith(b"%PDF-1.4")
        assert browser.get(f"/files/{infected}/preview").status_code == 403
        assert browser.get(f"/files/{infected}/download").status_code == 403


def test_files_wait_while_clamd_is_down_and_are_scanned_when_it_is_back(
    make_services: Callable[..., Services], own_clamd: Clamd
) -> None:
    own_clamd.stop()
    with scanning_server(make_services, own_clamd) as client:
        account = signup(client, plan="team")
        infected, clean = uploaded(
            client, account, ("eicar.txt", EICAR), ("Straße 5.pdf", pdf_bytes())
        )
        # Retries used up: recorded as failed once, never as clean.
        for file_id in (infected, clean):
            assert wait_for_scan(account, file_id, {"failed"})["scan"]["state"] == "failed"
            waiting = account.get(f"/api/v1/files/{file_id}/content")
            assert waiting.status_code == 409
            assert waiting.json()["error"]["code"] == "file_not_scanned"

        own_clamd.start()
        assert wait_for_scan(account, infected, {"infected", "clean"})["scan"]["state"] == (
            "infected"
        )
        assert wait_for_scan(account, clean, {"infected", "clean"})["scan"]["state"] == "clean"
        assert account.get(f"/api/v1/files/{clean}/content").status_code == 200
        assert account.get(f"/api/v1/files/{infected}/content").status_code == 403


def test_pending_file_is_not_downloadable_and_other_organisations_see_nothing(
    make_services: Callable[..., Services], own_clamd: Clamd
) -> None:
    own_clamd.stop()
    with scanning_server(make_services, own_clamd, job_retries=50) as client:
        account = signup(client, plan="team")
        other = signup(client, plan="team", name="Andere Kanzlei")
        (file_id,) = uploaded(client, account, ("Müller.pdf", pdf_bytes()))
        assert file_of(account, file_id)["scan"] == {"state": "pending", "signature": None}
        assert account.get(f"/api/v1/files/{file_id}/content").status_code == 409
        assert other.get(f"/api/v1/files/{file_id}").status_code == 404
        assert other.get(f"/api/v1/files/{file_id}/content").status_code == 404


def test_embedded_default_marks_files_unscanned_and_hands_them_out(
    make_services: Callable[..., Services], backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the embedded default is the SQLite backend")
    services = make_services(virus_scan=None)
    with running_server(services) as url, httpx.Client(base_url=url, timeout=30) as client:
        account = signup(client, plan="team")
        (file_id,) = uploaded(client, account, ("Müller.pdf", pdf_bytes()))
        assert file_of(account, file_id)["scan"] == {"state": "skipped", "signature": None}
        assert account.get(f"/api/v1/files/{file_id}/content").status_code == 200
