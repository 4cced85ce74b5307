"""Open invitations through the API: listed, sent again, withdrawn; never across
organisations; a withdrawn or replaced link is refused (410)."""

from __future__ import annotations

import uuid

import httpx

from infrastructure.bootstrap import Services
from tests.support.api import PASSWORD, Account, signup
from tests.support.team import invitation_token, invite, outbox


def last_token(services: Services, address: str) -> str:
    mails = outbox(services.settings.data_dir, to=address)
    assert mails
    return invitation_token(mails[-1])


def test_open_invitations_are_listed_resent_and_withdrawn(
    account: Account, http: httpx.Client, services: Services
) -> None:
    address = f"müller-{uuid.uuid4().hex[:6]}@example.com".replace("ü", "ue")
    invited = account.post("/api/v1/invitations", json={"email": address, "role": "viewer"})
    assert invited.status_code == 201
    first_token = last_token(services, address)
    listed = account.get("/api/v1/invitations").json()["items"]
    assert [(i["id"], i["email"], i["role"]) for i in listed] == [
        (invited.json()["id"], address, "viewer")
    ]

    resent = account.post(f"/api/v1/invitations/{invited.json()['id']}/resend")
    assert resent.status_code == 201, resent.text
    second_token = last_token(services, address)
    assert second_token != first_token
    assert [i["id"] for i in account.get("/api/v1/invitations").json()["items"]] == [
        resent.json()["id"]
    ]
    old = http.post(
        f"/api/v1/invitations/{first_token}/accept", json={"name": "Alt", "password": PASSWORD}
    )
    assert old.status_code == 410
    assert old.json()["error"]["code"] == "invitation_withdrawn"

    withdrawn = account.delete(f"/api/v1/invitations/{resent.json()['id']}")
    assert withdrawn.status_code == 204
    assert account.get("/api/v1/invitations").json()["items"] == []
    refused = http.post(
        f"/api/v1/invitations/{second_token}/accept", json={"name": "Neu", "password": PASSWORD}
    )
    assert refused.status_code == 410
    again = account.delete(f"/api/v1/invitations/{resent.json()['id']}")
    assert again.status_code == 404


def test_another_organisation_cannot_see_resend_or_withdraw_an_invitation(
    account: Account, http: httpx.Client, services: Services
) -> None:
    other = signup(http, name="Kanzlei Fremd")
    address = f"kim-{uuid.uuid4().hex[:6]}@example.com"
    invited = account.post("/api/v1/invitations", json={"email": address, "role": "member"})
    invitation_id = invited.json()["id"]
    assert other.get("/api/v1/invitations").json()["items"] == []
    assert other.post(f"/api/v1/invitations/{invitation_id}/resend").status_code == 404
    assert other.delete(f"/api/v1/invitations/{invitation_id}").status_code == 404
    assert other.delete("/api/v1/invitations/not-an-id").status_code == 404
    assert [i["id"] for i in account.get("/api/v1/invitations").json()["items"]] == [invitation_id]
    token = last_token(services, address)
    joined = http.post(
        f"/api/v1/invitations/{token}/accept", json={"name": "Kim", "password": PASSWORD}
    )
    assert joined.status_code == 201


def test_a_viewer_may_not_withdraw(
    account: Account, http: httpx.Client, services: Services
) -> None:
    viewer_address = f"v-{uuid.uuid4().hex[:6]}@example.com"
    account.post("/api/v1/invitations", json={"email": viewer_address, "role": "viewer"})
    joined = http.post(
        f"/api/v1/invitations/{last_token(services, viewer_address)}/accept",
        json={"name": "Vera", "password": PASSWORD},
    ).json()
    viewer = Account(
        account.organization_id, joined["user_id"], joined["token"], viewer_address, http
    )
    invited = account.post(
        "/api/v1/invitations",
        json={"email": f"x-{uuid.uuid4().hex[:6]}@example.com", "role": "member"},
    ).json()
    assert viewer.delete(f"/api/v1/invitations/{invited['id']}").status_code == 403
    assert viewer.post(f"/api/v1/invitations/{invited['id']}/resend").status_code == 403


def test_the_accept_page_names_every_problem_at_once(
    account: Account, services: Services, base_url: str
) -> None:
    """Passwords that differ, a name with a control character and a short password: the page
    names all three, not only the repeat (then the next one after another try)."""
    token = invite(account, services.settings.data_dir, "member")
    with httpx.Client(base_url=base_url, headers={"Accept-Language": "de"}) as browser:
        page = browser.get(f"/invitations/{token}")
        assert page.status_code == 200
        refused = browser.post(
            f"/invitations/{token}",
            data={"name": "Кира Weiß\x07", "password": "kurz", "password_repeat": "anders"},
        )
    assert refused.status_code == 422, refused.status_code
    assert "Die beiden Passwörter stimmen nicht überein." in refused.text
    assert "Enthält unzulässige Steuerzeichen." in refused.text
    # Said once, as the field's error: the hint of the same words steps aside.
    assert refused.text.count("Mindestens 12 Zeichen.") == 1
    assert "Mindestens 12 Zeichen." in refused.text.split('id="password-error"')[1]
    assert 'id="name-error"' in refused.text and 'id="password-error"' in refused.text
