"""Bad input gets 422 naming the field, and nothing stored is lost or half-written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.api import Account

CUSTOMER_CASES: list[tuple[dict[str, Any], str]] = [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": 42}, "name"),
    ({"name": "Anna\x00"}, "name"),
    ({"name": "Anna", "email": "not-an-email"}, "email"),
    ({"name": "Anna", "email": "a@b"}, "email"),
    ({"name": "Anna", "email": "a b@example.com"}, "email"),
    ({"name": "Anna", "email": 7}, "email"),
    ({"name": "Anna", "company": "x" * 201}, "company"),
    ({"name": "Anna", "unknown": 1}, "unknown"),
]


@pytest.mark.parametrize(("body", "field"), CUSTOMER_CASES)
def test_create_customer_refuses_bad_fields(
    account: Account, body: dict[str, Any], field: str
) -> None:
    response = account.post("/api/v1/customers", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error
    assert account.get("/api/v1/customers").json()["total"] == 0


def test_name_of_exactly_200_characters_after_trimming_is_fine(account: Account) -> None:
    created = account.create_customer("  " + "n" * 200 + "  ")
    assert created["name"] == "n" * 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"email": "broken"}, "email"),
        ({"company": "c" * 201}, "company"),
        ({"status": "open"}, "status"),
    ],
)
def test_patch_refuses_bad_fields_and_keeps_the_customer(
    account: Account, body: dict[str, Any], field: str
) -> None:
    customer = account.create_customer("Anna", email="anna@example.com", company="Firma")
    response = account.patch(f"/api/v1/customers/{customer['id']}", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]
    detail = account.get(f"/api/v1/customers/{customer['id']}").json()
    assert (detail["name"], detail["email"], detail["company"]) == (
        "Anna",
        "anna@example.com",
        "Firma",
    )


@pytest.mark.parametrize("status", ["done", "", "OPEN", None, 3])
def test_status_must_be_one_of_the_three(account: Account, status: object) -> None:
    customer = account.create_customer()
    response = account.put(f"/api/v1/customers/{customer['id']}/status", json={"status": status})
    assert response.status_code == 422
    assert "status" in response.json()["error"]["fields"]
    assert account.get(f"/api/v1/customers/{customer['id']}").json()["status"] == "open"


@pytest.mark.parametrize("text", ["", "   ", None, "x" * 10_001, "a\x07b"])
def test_note_text_is_validated(account: Account, text: object) -> None:
    customer = account.create_customer()
    response = account.post(f"/api/v1/customers/{customer['id']}/notes", json={"text": text})
    assert response.status_code == 422
    assert "text" in response.json()["error"]["fields"]
    assert account.get(f"/api/v1/customers/{customer['id']}").json()["notes"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"sort": "email"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_list_parameters_are_validated(
    account: Account, params: dict[str, Any], field: str
) -> None:
    response = account.get("/api/v1/customers", params=params)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"organization_name": "", "email": "a@example.com", "password": "x" * 12},
            "organization_name",
        ),
        ({"organization_name": "K", "email": "nope", "password": "x" * 12}, "email"),
        ({"organization_name": "K", "email": "a@example.com", "password": "short"}, "password"),
        (
            {
                "organization_name": "K",
                "email": "a@example.com",
                "password": "x" * 12,
                "plan": "gold",
            },
            "plan",
        ),
        ({"email": "a@example.com", "password": "x" * 12}, "organization_name"),
    ],
)
def test_signup_is_validated(http: httpx.Client, body: dict[str, Any], field: str) -> None:
    response = http.post("/api/v1/signup", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]


def test_malformed_json_names_the_body(account: Account) -> None:
    response = account.post(
        "/api/v1/customers", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "body" in response.json()["error"]["fields"]


def test_oversized_json_body_is_refused(account: Account) -> None:
    response = account.post("/api/v1/customers", json={"name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_history_version_must_be_positive(account: Account) -> None:
    customer = account.create_customer()
    response = account.get(f"/api/v1/customers/{customer['id']}/history", params={"version": 0})
    assert response.status_code == 422
    assert "version" in response.json()["error"]["fields"]


def test_malformed_customer_id_is_not_found(account: Account) -> None:
    response = account.get("/api/v1/customers/not-a-uuid")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
