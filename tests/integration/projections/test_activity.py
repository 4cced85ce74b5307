"""The activity history over HTTP: one entry per event, newest first, in German or English."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from infrastructure.bootstrap import Services
from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes, upload


def activity(account: Account, customer_id: str, **params: Any) -> dict[str, Any]:
    response = account.get(f"/api/v1/customers/{customer_id}/activity", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_customer_events_newest_first_with_actor_and_data(account: Account) -> None:
    customer = account.create_customer("Anna Schmidt", email="anna@example.com")
    cid = customer["id"]
    account.patch(f"/api/v1/customers/{cid}", json={"company": "Schmidt GmbH"})
    account.put(f"/api/v1/customers/{cid}/status", json={"status": "complete"})
    account.post(f"/api/v1/customers/{cid}/notes", json={"text": "Ruft Montag an"})

    items = activity(account, cid)["items"]
    assert [i["type"] for i in items] == [
        "NoteAdded",
        "StatusChanged",
        "CustomerDetailsChanged",
        "CustomerCreated",
    ]
    assert all(i["actor_id"] == account.user_id for i in items)
    # The owner signed up without a name: members are named by e-mail address then.
    assert all(i["actor_name"] == account.email for i in items)
    times = [i["at"] for i in items]
    assert times == sorted(times, reverse=True)
    note, status, details, created = items
    assert status["data"] == {"old_status": "open", "new_status": "complete", "automatic": False}
    assert details["data"] == {"changes": {"company": "Schmidt GmbH"}}
    # The history says a note was added, never what it says (that stays with the notes).
    assert "text" not in note["data"]
    assert note["summary"].startswith("Interne Notiz hinzugefügt")
    by = f" – {account.email}"
    assert created["summary"] == "Kunde „Anna Schmidt“ angelegt" + by
    assert status["summary"] == "Status von „offen“ auf „vollständig“ geändert" + by
    assert details["summary"] == "Kundendaten geändert: Firma" + by


def test_summaries_in_english_by_parameter_or_header(account: Account) -> None:
    cid = account.create_customer("Anna Schmidt")["id"]
    account.put(f"/api/v1/customers/{cid}/status", json={"status": "partial"})
    by_parameter = activity(account, cid, lang="en")["items"]
    by_header = account.get(
        f"/api/v1/customers/{cid}/activity", headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert by_header.headers["Content-Language"] == "en"
    assert [i["summary"] for i in by_parameter] == [i["summary"] for i in by_header.json()["items"]]
    by = f" – {account.email}"
    assert by_parameter[0]["summary"] == "Status changed from “open” to “partial”" + by
    assert by_parameter[1]["summary"] == "Customer “Anna Schmidt” created" + by


def test_keyset_pages_cover_everything_once(account: Account) -> None:
    cid = account.create_customer("Anna")["id"]
    for i in range(6):
        account.post(f"/api/v1/customers/{cid}/notes", json={"text": f"Notiz {i}"})
    everything = activity(account, cid)["items"]
    assert len(everything) == 7

    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = activity(account, cid, limit=3, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 3
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    refused = account.get(f"/api/v1/customers/{cid}/activity", params={"cursor": "nonsense"})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"cursor": "is not a cursor from this list"}


def test_links_and_files_appear_with_names_sizes_and_reviews(
    account: Account, http: httpx.Client
) -> None:
    cid = account.create_customer("Anna")["id"]
    link = create_link(account, cid, title="Unterlagen 2025")
    uploaded = upload(
        http, link, ("Lohnsteuer.pdf", pdf_bytes(20_000)), data={"uploader_name": "Anna S."}
    )
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["files"][0]["id"]
    reviewed = account.put(
        f"/api/v1/files/{file_id}/review", json={"state": "query", "comment": "Seite 2 fehlt"}
    )
    assert reviewed.status_code == 200, reviewed.text
    assert account.post(f"/api/v1/links/{link['id']}/revoke").status_code == 200

    items = activity(account, cid)["items"]
    by_type = {i["type"]: i for i in items}
    assert {"UploadLinkCreated", "FileUploaded", "FileReviewed", "UploadLinkRevoked"} <= set(
        by_type
    )
    assert items[0]["type"] == "UploadLinkRevoked"
    upload_entry = by_type["FileUploaded"]
    assert upload_entry["actor_id"] is None and upload_entry["actor_name"] is None
    assert upload_entry["data"]["filename"] == "Lohnsteuer.pdf"
    assert upload_entry["data"]["size"] == 20_000
    assert upload_entry["summary"] == "Datei „Lohnsteuer.pdf“ (19,5 KB) hochgeladen von Anna S."
    review = by_type["FileReviewed"]
    assert review["actor_id"] == account.user_id
    assert review["data"]["filename"] == "Lohnsteuer.pdf"
    by = f" – {account.email}"
    assert (
        review["summary"] == "Datei „Lohnsteuer.pdf“ als „Rückfrage“ markiert: Seite 2 fehlt" + by
    )
    assert (
        by_type["UploadLinkRevoked"]["summary"] == "Upload-Link „Unterlagen 2025“ widerrufen" + by
    )
    automatic = [i for i in items if i["type"] == "StatusChanged"]
    assert [i["data"] for i in automatic] == [
        {"old_status": "open", "new_status": "partial", "automatic": True}
    ]
    assert automatic[0]["summary"].endswith("(automatisch, erster Upload)")


def test_another_organisations_customer_is_not_found(
    account: Account, other_account: Account
) -> None:
    cid = account.create_customer("Anna")["id"]
    response = other_account.get(f"/api/v1/customers/{cid}/activity")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_deleting_a_customer_removes_its_activity(account: Account, services: Services) -> None:
    cid = account.create_customer("Anna")["id"]
    account.post(f"/api/v1/customers/{cid}/notes", json={"text": "vertraulich"})
    assert len(activity(account, cid)["items"]) == 2
    assert account.delete(f"/api/v1/customers/{cid}").status_code == 204
    assert account.get(f"/api/v1/customers/{cid}/activity").status_code == 404
    # The rows themselves are gone, not just hidden behind the 404.
    services.positions.caught_up(services.app.head(), 5)
    assert services.activity.page(UUID(cid)).items == []
