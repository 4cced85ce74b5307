"""Links extended (a later expiry) and reactivated (a revoked or expired link valid again):
the API, the client's page, the lists and the activity; another organisation can do neither."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from infrastructure.bootstrap import Services
from tests.support.api import Account
from tests.support.clock import made_at
from tests.support.uploads import create_link, pdf_bytes, token_of, upload


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def test_an_active_link_is_extended(account: Account) -> None:
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"], expires_at=later(days=3))
    until = later(days=45)
    extended = account.post(f"/api/v1/links/{link['id']}/extend", json={"expires_at": until})
    assert extended.status_code == 200, extended.text
    assert datetime.fromisoformat(extended.json()["expires_at"]) == datetime.fromisoformat(until)
    listed = account.get(f"/api/v1/customers/{customer['id']}/links").json()["items"]
    assert datetime.fromisoformat(listed[0]["expires_at"]) == datetime.fromisoformat(until)
    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
    assert any(item["type"] == "UploadLinkExtended" for item in activity)

    for body in (
        {"expires_at": later(days=10)},
        {"expires_at": later(days=400)},
        {"expires_at": "morgen"},
        {},
    ):
        refused = account.post(f"/api/v1/links/{link['id']}/extend", json=body)
        assert refused.status_code in {400, 422}, (body, refused.text)
        assert "expires_at" in refused.text, refused.text


def test_a_revoked_link_is_reactivated_and_takes_files_again(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer("Anna Straße")
    link = create_link(account, customer["id"])
    assert account.post(f"/api/v1/links/{link['id']}/revoke").status_code == 200
    # Revoked: extending is refused, reactivating is the way.
    refused = account.post(
        f"/api/v1/links/{link['id']}/extend", json={"expires_at": later(days=40)}
    )
    assert refused.status_code == 409, refused.text
    assert http.get(f"/u/{token_of(link)}").status_code == 410
    assert account.get("/api/v1/customers").json()["items"][0]["link_count"] == 0

    until = later(days=14)
    again = account.post(f"/api/v1/links/{link['id']}/reactivate", json={"expires_at": until})
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "active"
    assert http.get(f"/u/{token_of(link)}").status_code == 200
    assert upload(http, link, ("Kündigung – 2024.pdf", pdf_bytes())).status_code == 201
    assert account.get("/api/v1/customers").json()["items"][0]["link_count"] == 1
    active = account.post(f"/api/v1/links/{link['id']}/reactivate", json={"expires_at": until})
    assert active.status_code == 409, active.text


def test_an_expired_link_is_reactivated(
    account: Account, http: httpx.Client, services: Services
) -> None:
    customer = account.create_customer("Zoë Çelik")
    # Made a minute ago, valid for 30 s: expired now, without waiting for it.
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    expiry = (a_minute_ago + timedelta(seconds=30)).isoformat()
    with made_at(services, a_minute_ago):
        link = create_link(account, customer["id"], expires_at=expiry)
    assert http.get(f"/u/{token_of(link)}").status_code == 410
    reactivated = account.post(
        f"/api/v1/links/{link['id']}/reactivate", json={"expires_at": later(days=7)}
    )
    assert reactivated.status_code == 200, reactivated.text
    assert http.get(f"/u/{token_of(link)}").status_code == 200
    types = [
        item["type"]
        for item in account.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
    ]
    # The expiry that had happened is in the history, then the reactivation.
    assert types.index("UploadLinkReactivated") < types.index("UploadLinkExpired")


def test_another_organisation_can_neither_extend_nor_reactivate(
    account: Account, other_account: Account
) -> None:
    theirs = other_account.create_customer("Geheim")
    link = create_link(other_account, theirs["id"])
    for action in ("extend", "reactivate"):
        response = account.post(
            f"/api/v1/links/{link['id']}/{action}", json={"expires_at": later(days=60)}
        )
        assert response.status_code == 404, response.text
    unchanged = other_account.get(f"/api/v1/links/{link['id']}").json()
    assert unchanged["expires_at"] == link["expires_at"]
    assert unchanged["status"] == "active"
