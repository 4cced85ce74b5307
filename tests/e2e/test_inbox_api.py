"""The staff inbox over the API: per member, the mail switch, answers to queries, tenancy."""

from __future__ import annotations

import uuid

import httpx

from infrastructure.bootstrap import Services
from tests.support.api import Account
from tests.support.team import add_member
from tests.support.uploads import create_link, pdf_bytes, upload

INBOX = "/api/v1/inbox"


def inbox(account: Account) -> dict[str, object]:
    response = account.get(INBOX)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_upload_reaches_every_member_and_is_read_by_each_alone(
    account: Account, http: httpx.Client, services: Services
) -> None:
    colleague = add_member(account, services.settings.data_dir, "viewer")
    customer = account.create_customer("Jürgen Weiß", email="jw@example.com")
    link = create_link(account, customer["id"], title="Kündigung – 2024")
    assert upload(http, link, ("Müller.pdf", pdf_bytes(2_000))).status_code == 201

    for member in (account, colleague):
        box = inbox(member)
        assert box["unread"] == 1
        [notice] = box["items"]  # type: ignore[misc]
        assert notice["kind"] == "upload" and notice["read"] is False
        assert notice["customer_id"] == customer["id"]
        assert notice["customer_name"] == "Jürgen Weiß"
        assert notice["filename"] == "Müller.pdf"
        assert notice["link_title"] == "Kündigung – 2024"

    read = account.post(f"{INBOX}/read", json={"ids": [notice["id"]]})
    assert read.status_code == 200, read.text
    assert read.json() == {"unread": 0}
    assert inbox(account)["items"][0]["read"] is True  # type: ignore[index]
    assert inbox(colleague)["unread"] == 1  # each member reads for themselves
    assert colleague.post(f"{INBOX}/read", json={}).json() == {"unread": 0}


def test_the_upload_mail_switch_also_quiets_the_inbox(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer("Zoë 🦊")
    link = create_link(account, customer["id"])
    off = account.put("/api/v1/members/me/notifications", json={"uploads": False})
    assert off.status_code == 200
    assert upload(http, link, ("Beleg.pdf", pdf_bytes(2_000))).status_code == 201
    assert inbox(account) == {"items": [], "unread": 0}
    assert (
        account.put("/api/v1/members/me/notifications", json={"uploads": True}).status_code == 200
    )
    assert inbox(account)["unread"] == 1


def test_an_upload_after_a_query_is_an_answer(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer("Anna Schmidt")
    link = create_link(account, customer["id"], requested_items=["Ausweis", "Gehaltsnachweis"])
    ausweis = link["requested_items"][0]["id"]
    first = upload(http, link, ("ausweis.pdf", pdf_bytes(2_000)), data={"item_id": ausweis})
    assert first.status_code == 201, first.text
    file_id = first.json()["files"][0]["id"]
    query = account.put(
        f"/api/v1/files/{file_id}/review", json={"state": "query", "comment": "Rückseite fehlt"}
    )
    assert query.status_code == 200, query.text
    again = upload(http, link, ("ausweis-2.pdf", pdf_bytes(2_000)), data={"item_id": ausweis})
    assert again.status_code == 201
    kinds = [n["kind"] for n in inbox(account)["items"]]  # type: ignore[union-attr]
    assert kinds == ["answer", "upload"]


def test_another_organisations_notices_are_out_of_reach(
    account: Account, other_account: Account, http: httpx.Client
) -> None:
    customer = other_account.create_customer("Fremde Kundin")
    link = create_link(other_account, customer["id"])
    assert upload(http, link, ("geheim.pdf", pdf_bytes(2_000))).status_code == 201
    [theirs] = inbox(other_account)["items"]  # type: ignore[misc]
    assert inbox(account) == {"items": [], "unread": 0}
    answer = account.post(f"{INBOX}/read", json={"ids": [theirs["id"], str(uuid.uuid4())]})
    assert answer.status_code == 200 and answer.json() == {"unread": 0}
    assert inbox(other_account)["unread"] == 1


def test_bad_input_names_the_field(account: Account) -> None:
    for body in ({"ids": ["kein-id"]}, {"ids": "alle"}, {"alle": True}):
        response = account.post(f"{INBOX}/read", json=body)
        assert response.status_code == 422, response.text
        fields = response.json()["error"]["fields"]
        assert ("ids" in fields) or ("alle" in fields)


def test_deleting_the_customer_removes_its_notices(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer("Kurz Dabei")
    link = create_link(account, customer["id"])
    assert upload(http, link, ("a.pdf", pdf_bytes(2_000))).status_code == 201
    assert inbox(account)["unread"] == 1
    assert account.delete(f"/api/v1/customers/{customer['id']}").status_code == 204
    assert inbox(account) == {"items": [], "unread": 0}
