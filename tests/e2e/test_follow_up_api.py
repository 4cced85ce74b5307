"""Follow-up questions through the API: the item's state and question, the client told only
when staff ask for it, answers taken on a full link, nothing across organisations."""

from __future__ import annotations

import time
import uuid

import httpx

from infrastructure.bootstrap import Services
from tests.support.api import Account, signup
from tests.support.team import outbox, text_of
from tests.support.uploads import create_link, pdf_bytes, upload


def items(account: Account, link: dict) -> list[tuple[str, str | None]]:
    body = account.get(f"/api/v1/links/{link['id']}").json()
    return [(i["state"], i["question"]) for i in body["requested_items"]]


def test_a_query_answered_by_a_new_file(
    account: Account, http: httpx.Client, services: Services
) -> None:
    # Addresses of the test's own: the outbox is the whole server's.
    address = f"ayse.{uuid.uuid4().hex[:8]}@example.com"
    customer = account.create_customer("Ayşe Straße", email=address)
    link = create_link(
        account, customer["id"], max_files=1, requested_items=["Ausweis", "Meldebescheinigung"]
    )
    ausweis = link["requested_items"][0]["id"]
    sent = upload(http, link, ("Ausweis.pdf", pdf_bytes()), data={"item_id": ausweis})
    file_id = sent.json()["files"][0]["id"]
    assert items(account, link) == [("received", None), ("missing", None)]

    reviewed = account.put(
        f"/api/v1/files/{file_id}/review", json={"state": "query", "comment": "Rückseite fehlt"}
    )
    assert reviewed.status_code == 200, reviewed.text
    assert items(account, link) == [("query", "Rückseite fehlt"), ("missing", None)]
    # Not told: no mail to the client.
    time.sleep(0.5)
    assert not outbox(services.settings.data_dir, to=address)

    # The link is full, but the answer to the question is taken; another file is not.
    other = upload(http, link, ("Meldung.pdf", pdf_bytes()))
    assert other.status_code == 409
    answer = upload(http, link, ("Ausweis Rückseite.pdf", pdf_bytes()), data={"item_id": ausweis})
    assert answer.status_code == 201, answer.text
    assert items(account, link) == [("received", None), ("missing", None)]

    checked = account.put(
        f"/api/v1/files/{answer.json()['files'][0]['id']}/review", json={"state": "checked"}
    )
    assert checked.status_code == 200
    assert items(account, link) == [("checked", None), ("missing", None)]
    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
    assert any(
        i["summary"] == "Rückfrage beantwortet (neue Datei): Rückseite fehlt" for i in activity
    )


def test_telling_the_client_sends_one_mail_naming_the_questions(
    account: Account, http: httpx.Client, services: Services
) -> None:
    address = f"joerg.{uuid.uuid4().hex[:8]}@example.com"
    customer = account.create_customer("Jörg Groß", email=address)
    link = create_link(account, customer["id"], requested_items=["Kontoauszug"])
    item = link["requested_items"][0]["id"]
    file_id = upload(http, link, ("Konto.pdf", pdf_bytes()), data={"item_id": item}).json()[
        "files"
    ][0]["id"]
    told = account.put(
        f"/api/v1/files/{file_id}/review",
        json={"state": "query", "comment": "Bitte Dezember statt November.", "notify_client": True},
    )
    assert told.status_code == 200, told.text
    deadline = time.monotonic() + 10
    mails: list = []
    while not mails and time.monotonic() < deadline:
        mails = outbox(services.settings.data_dir, to=address)
        time.sleep(0.1)
    [mail] = mails
    assert "- Kontoauszug: Bitte Dezember statt November." in text_of(mail)
    # One mail is one entry in the history: the questions sent, not also "Upload-Link gesendet".
    while account.get(f"/api/v1/links/{link['id']}").json()["last_sent_at"] is None:
        assert time.monotonic() < deadline + 10, "the sending was never recorded"
        time.sleep(0.1)
    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
    about_mail = [i["summary"] for i in activity if address in i["summary"]]
    assert len(about_mail) == 1, about_mail
    assert about_mail[0].startswith("Rückfragen zum Upload-Link"), about_mail


def test_telling_a_client_without_address_is_refused_naming_the_field(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer("Ohne Adresse")
    link = create_link(account, customer["id"], requested_items=["Beleg"])
    item = link["requested_items"][0]["id"]
    file_id = upload(http, link, ("Beleg.pdf", pdf_bytes()), data={"item_id": item}).json()[
        "files"
    ][0]["id"]
    refused = account.put(
        f"/api/v1/files/{file_id}/review",
        json={"state": "query", "comment": "Unleserlich", "notify_client": True},
    )
    assert refused.status_code == 422
    assert "notify_client" in refused.json()["error"]["fields"]
    # Nothing half-written: the file is still pending, the item still received.
    assert items(account, link) == [("received", None)]


def test_another_organisation_cannot_query_a_file(account: Account, http: httpx.Client) -> None:
    other = signup(http, name="Kanzlei Fremd")
    customer = account.create_customer("Lena Müller", email="lena@example.com")
    link = create_link(account, customer["id"], requested_items=["Beleg"])
    item = link["requested_items"][0]["id"]
    file_id = upload(http, link, ("Beleg.pdf", pdf_bytes()), data={"item_id": item}).json()[
        "files"
    ][0]["id"]
    refused = other.put(
        f"/api/v1/files/{file_id}/review",
        json={"state": "query", "comment": "x", "notify_client": True},
    )
    assert refused.status_code == 404
    assert items(account, link) == [("received", None)]
    assert other.get(f"/api/v1/links/{link['id']}").status_code == 404


def test_a_file_of_no_document_is_replaced_through_the_multipart_upload(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"], max_files=1)
    sent = upload(http, link, ("Beleg 🧾.pdf", pdf_bytes()))
    file_id = sent.json()["files"][0]["id"]
    # No question yet: `replaces` is refused, naming the field, and nothing is kept.
    refused = upload(http, link, ("neu.pdf", pdf_bytes()), data={"replaces": file_id})
    assert refused.status_code in {409, 422}, refused.text
    query = {"state": "query", "comment": "Bitte die zweite Seite dazu."}
    assert account.put(f"/api/v1/files/{file_id}/review", json=query).status_code == 200
    bad = upload(http, link, ("neu.pdf", pdf_bytes()), data={"replaces": "kein-id"})
    assert bad.status_code == 422 and "replaces" in bad.json()["error"]["fields"]
    answer = upload(http, link, ("Beleg neu.pdf", pdf_bytes()), data={"replaces": file_id})
    assert answer.status_code == 201, answer.text
    again = upload(http, link, ("dritte.pdf", pdf_bytes()), data={"replaces": file_id})
    assert again.status_code in {409, 422}, again.text
    files = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert sorted(f["filename"] for f in files) == ["Beleg neu.pdf", "Beleg 🧾.pdf"]
