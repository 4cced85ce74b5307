"""No free-text field stores a control character: 422 naming the field, nothing recorded.

Single-line fields (names, titles, labels) refuse every control character; multi-line
fields (notes, messages, review comments) keep tab and line feed, and CRLF becomes LF.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from infrastructure.bootstrap import Services
from tests.support.api import PASSWORD, Account
from tests.support.team import invite
from tests.support.uploads import create_link, pdf_bytes, upload

# NUL (PostgreSQL text cannot hold it), BEL, ESC, DEL, a C1 control and a bidi override
# (it reverses what follows in a mail subject).
CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e"]
SINGLE_LINE_ONLY = ["\t", "\n", "\r", "\u2028"]


def _refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error


def _received_file(account: Account, http: httpx.Client) -> dict[str, Any]:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    response = upload(http, link, ("beleg.pdf", pdf_bytes(2_000)))
    assert response.status_code == 201, response.text
    file: dict[str, Any] = response.json()["files"][0]
    return file


@pytest.mark.parametrize("control", CONTROLS)
def test_a_review_comment_refuses_control_characters(
    account: Account, http: httpx.Client, control: str
) -> None:
    file = _received_file(account, http)
    response = account.put(
        f"/api/v1/files/{file['id']}/review", json={"state": "query", "comment": f"c{control}d"}
    )
    _refused(response, "comment")
    assert account.get(f"/api/v1/files/{file['id']}").json()["review"]["state"] == "pending"


def test_a_review_comment_keeps_lines_and_tabs(account: Account, http: httpx.Client) -> None:
    file = _received_file(account, http)
    response = account.put(
        f"/api/v1/files/{file['id']}/review",
        json={"state": "query", "comment": "Seite 2 fehlt.\r\n\tBitte erneut."},
    )
    assert response.status_code == 200, response.text
    assert response.json()["review"]["comment"] == "Seite 2 fehlt.\n\tBitte erneut."


def _customer_calls(account: Account) -> list[tuple[str, Callable[[str], httpx.Response]]]:
    customer = account.create_customer()
    path = f"/api/v1/customers/{customer['id']}"
    link = create_link(account, customer["id"])
    return [
        ("name", lambda v: account.post("/api/v1/customers", json={"name": v})),
        ("company", lambda v: account.post("/api/v1/customers", json={"name": "A", "company": v})),
        ("name", lambda v: account.patch(path, json={"name": v})),
        ("company", lambda v: account.patch(path, json={"company": v})),
        ("title", lambda v: account.post(f"{path}/links", json={"title": v})),
        ("requested_items", lambda v: account.post(f"{path}/links", json={"requested_items": [v]})),
        ("name", lambda v: account.post("/api/v1/tokens", json={"name": v})),
        ("name", lambda v: account.patch("/api/v1/organization", json={"name": v})),
        (
            "message",
            lambda v: account.post(
                f"/api/v1/links/{link['id']}/send", json={"to": "a@example.com", "message": v}
            ),
        ),
    ]


@pytest.mark.parametrize("control", CONTROLS + SINGLE_LINE_ONLY)
def test_single_line_fields_refuse_every_control_character(account: Account, control: str) -> None:
    for field, call in _customer_calls(account)[:8]:
        _refused(call(f"Anna{control}Schmidt"), field)
    assert account.get("/api/v1/customers").json()["total"] == 1
    assert account.get("/api/v1/organization").json()["name"] == "Kanzlei Test"


@pytest.mark.parametrize("control", CONTROLS)
def test_multi_line_fields_refuse_other_control_characters(account: Account, control: str) -> None:
    customer = account.create_customer()
    path = f"/api/v1/customers/{customer['id']}"
    _refused(account.post(f"{path}/notes", json={"text": f"a{control}b"}), "text")
    _refused(account.post(f"{path}/links", json={"message": f"a{control}b"}), "message")
    field, send = _customer_calls(account)[8]
    _refused(send(f"a{control}b"), field)
    assert account.get(path).json()["notes"] == []
    assert account.get(f"{path}/links").json()["items"] == [] or all(
        link["message"] is None for link in account.get(f"{path}/links").json()["items"]
    )


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\n"])
def test_a_link_password_refuses_control_characters(account: Account, control: str) -> None:
    # Nobody could type it into the upload page: the link would open for no one.
    customer = account.create_customer()
    path = f"/api/v1/customers/{customer['id']}/links"
    _refused(account.post(path, json={"password": f"geheim{control}123"}), "password")
    assert account.get(path).json()["items"] == []


def test_a_note_from_a_textarea_is_stored_with_line_feeds(account: Account) -> None:
    customer = account.create_customer()
    path = f"/api/v1/customers/{customer['id']}"
    response = account.post(f"{path}/notes", json={"text": "Zeile 1\r\nZeile 2\rZeile 3"})
    assert response.status_code == 201, response.text
    assert response.json()["text"] == "Zeile 1\nZeile 2\nZeile 3"


@pytest.mark.parametrize("control", ["\x00", "\x07", "\n", "\u2067"])
def test_signup_names_refuse_control_characters(http: httpx.Client, control: str) -> None:
    for field, body in [
        ("organization_name", {"organization_name": f"Kanzlei{control}Muster"}),
        ("name", {"organization_name": "Kanzlei", "name": f"Erika{control}Muster"}),
    ]:
        response = http.post(
            "/api/v1/signup",
            json={"email": "neu@example.com", "password": PASSWORD, **body},
        )
        _refused(response, field)


def test_an_invited_member_name_refuses_control_characters(
    account: Account, services: Services
) -> None:
    token = invite(account, Path(services.settings.data_dir), "member")
    response = account.client.post(
        f"/api/v1/invitations/{token}/accept", json={"name": "Erika\x00", "password": PASSWORD}
    )
    _refused(response, "name")
    joined = account.client.post(
        f"/api/v1/invitations/{token}/accept", json={"name": "Erika", "password": PASSWORD}
    )
    assert joined.status_code == 201, joined.text


@pytest.mark.parametrize("control", ["\x00", "\x07", "\n"])
def test_an_uploader_name_refuses_control_characters(
    account: Account, http: httpx.Client, control: str
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    response = upload(
        http,
        link,
        ("beleg.pdf", pdf_bytes(2_000)),
        data={"uploader_name": f"Bernd{control}Schmidt"},
    )
    _refused(response, "uploader_name")
    # The client's page shows this sentence beside each file: it names the field to correct.
    assert response.json()["error"]["message"] == ("Ihr Name: Enthält unzulässige Steuerzeichen.")
    assert account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"] == []
