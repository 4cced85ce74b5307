"""Nothing of one organisation is visible or changeable from another: every customer endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes, upload

# (method, path template, body) for every endpoint that takes a customer id.
CUSTOMER_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/api/v1/customers/{id}", None),
    ("patch", "/api/v1/customers/{id}", {"name": "Übernommen"}),
    ("put", "/api/v1/customers/{id}/status", {"status": "complete"}),
    ("post", "/api/v1/customers/{id}/notes", {"text": "fremd"}),
    ("get", "/api/v1/customers/{id}/history", None),
    ("delete", "/api/v1/customers/{id}", None),
]


@pytest.mark.parametrize(("method", "template", "body"), CUSTOMER_ENDPOINTS)
def test_another_organisations_customer_is_not_found(
    account: Account,
    other_account: Account,
    method: str,
    template: str,
    body: dict[str, Any] | None,
) -> None:
    theirs = other_account.create_customer("Geheim", email="geheim@example.com")
    path = template.format(id=theirs["id"])
    kwargs = {"json": body} if body is not None else {}
    response = getattr(account, method)(path, **kwargs)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"

    # The owner still sees it exactly as it was.
    detail = other_account.get(f"/api/v1/customers/{theirs['id']}").json()
    assert detail["name"] == "Geheim"
    assert detail["status"] == "open"
    assert detail["notes"] == []
    history = other_account.get(f"/api/v1/customers/{theirs['id']}/history").json()
    assert len(history["events"]) == 1


def test_lists_searches_and_counts_show_only_the_own_organisation(
    account: Account, other_account: Account
) -> None:
    mine = account.create_customer("Schmidt Eins")
    other_account.create_customer("Schmidt Zwei", email="zwei@example.com")
    for params in [{}, {"q": "schmidt"}, {"q": "example.com"}, {"status": "open"}]:
        body = account.get("/api/v1/customers", params=params).json()
        assert {c["id"] for c in body["items"]} <= {mine["id"]}
        assert body["total"] == len(body["items"])
    assert account.get("/api/v1/customers/status-counts").json()["all"] == 1


def test_a_cursor_from_another_organisation_reveals_nothing(
    account: Account, other_account: Account
) -> None:
    for i in range(3):
        other_account.create_customer(f"Fremd {i}")
    cursor = other_account.get("/api/v1/customers", params={"limit": 1}).json()["next_cursor"]
    assert cursor
    body = account.get("/api/v1/customers", params={"cursor": cursor}).json()
    assert body["items"] == [] and body["total"] == 0


def test_the_plan_limit_counts_per_organisation(account: Account, other_account: Account) -> None:
    from tests.support.api import signup

    solo = signup(account.client, plan="solo")
    for i in range(10):
        solo.create_customer(f"Kunde {i}")
    # Another organisation's customers do not use up this one's slots, nor the reverse.
    assert account.post("/api/v1/customers", json={"name": "Frei"}).status_code == 201


def test_another_organisations_links_and_files_are_not_found(
    account: Account, other_account: Account, http: httpx.Client
) -> None:
    theirs = other_account.create_customer("Geheim", email="geheim@example.com")
    link = create_link(other_account, theirs["id"], requested_items=["Ausweis"])
    file_id = upload(http, link, ("a.pdf", pdf_bytes())).json()["files"][0]["id"]
    sent = other_account.post(
        f"/api/v1/customers/{theirs['id']}/sent-files", files={"file": ("b.pdf", pdf_bytes())}
    )
    assert sent.status_code == 201

    attempts: list[tuple[str, str, dict[str, Any]]] = [
        ("post", f"/api/v1/customers/{theirs['id']}/links", {"json": {}}),
        ("get", f"/api/v1/customers/{theirs['id']}/links", {}),
        ("get", f"/api/v1/customers/{theirs['id']}/files", {}),
        ("get", f"/api/v1/customers/{theirs['id']}/sent-files", {}),
        (
            "post",
            f"/api/v1/customers/{theirs['id']}/sent-files",
            {"files": {"file": ("x.pdf", b"%PDF")}},
        ),
        ("get", f"/api/v1/links/{link['id']}", {}),
        ("post", f"/api/v1/links/{link['id']}/revoke", {}),
        ("post", f"/api/v1/links/{link['id']}/unlock", {}),
        ("post", f"/api/v1/links/{link['id']}/send", {"json": {"to": "x@example.com"}}),
        ("get", f"/api/v1/files/{file_id}", {}),
        ("get", f"/api/v1/files/{file_id}/content", {}),
        ("put", f"/api/v1/files/{file_id}/review", {"json": {"state": "checked"}}),
        ("delete", f"/api/v1/files/{file_id}", {}),
    ]
    for method, path, kwargs in attempts:
        response = getattr(account, method)(path, **kwargs)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["code"] == "not_found"

    # Nothing changed for the owner.
    assert other_account.get(f"/api/v1/links/{link['id']}").json()["status"] == "active"
    files = other_account.get(f"/api/v1/customers/{theirs['id']}/files").json()["items"]
    assert [(f["id"], f["review"]["state"]) for f in files] == [(file_id, "pending")]
    assert len(other_account.get(f"/api/v1/customers/{theirs['id']}/links").json()["items"]) == 1
