"""Every endpoint that takes an e-mail address checks its syntax (email-validator, no DNS):
422 naming the field, nothing recorded."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.support.api import PASSWORD, Account
from tests.support.uploads import create_link, pdf_bytes, upload

BAD = [
    "<script>@x.de",
    "Anna <anna@example.com>",
    "anna@example..com",
    "anna..schmidt@example.com",
    "anna@-example.com",
    "anna@localhost",
    "anna@example.com>",
    "jörg@example.de",
]


def _calls(
    account: Account, http: httpx.Client
) -> list[tuple[str, Callable[[str], httpx.Response]]]:
    customer = account.create_customer("Anna Schmidt")
    link = create_link(account, customer["id"])
    return [
        ("email", lambda a: account.post("/api/v1/customers", json={"name": "B", "email": a})),
        (
            "email",
            lambda a: account.patch(f"/api/v1/customers/{customer['id']}", json={"email": a}),
        ),
        (
            "email",
            lambda a: http.post(
                "/api/v1/signup",
                json={"organization_name": "K", "email": a, "password": PASSWORD},
            ),
        ),
        (
            "email",
            lambda a: account.post("/api/v1/invitations", json={"email": a, "role": "member"}),
        ),
        ("to", lambda a: account.post(f"/api/v1/links/{link['id']}/send", json={"to": a})),
        (
            "uploader_email",
            lambda a: upload(http, link, ("a.pdf", pdf_bytes(1_000)), data={"uploader_email": a}),
        ),
    ]


@pytest.mark.parametrize("address", BAD)
def test_every_address_is_checked(account: Account, http: httpx.Client, address: str) -> None:
    for field, call in _calls(account, http):
        response = call(address)
        assert response.status_code == 422, (field, address, response.text)
        assert field in response.json()["error"]["fields"], (field, response.text)
    assert account.get("/api/v1/customers").json()["total"] == 1
    [customer] = account.get("/api/v1/customers").json()["items"]
    assert customer["email"] is None
    assert account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"] == []


def test_a_good_address_is_stored_with_its_domain_lower_cased(account: Account) -> None:
    created = account.create_customer("Anna", email="  Anna.Schmidt+2024@Example.COM ")
    assert created["email"] == "Anna.Schmidt+2024@example.com"
