"""The organisation and its team over HTTP: settings, plan, invitations, members, tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx

from domain.organization import Organization, Role
from infrastructure.bootstrap import Services
from interfaces.http.sessions import SESSION_COOKIE
from tests.support.api import PASSWORD, Account, signup
from tests.support.team import accept, add_member, invitation_token, invite, outbox


def test_the_organisation_shows_plan_customers_and_default_permissions(account: Account) -> None:
    account.create_customer()
    body = account.get("/api/v1/organization").json()
    # The contract's fields (extra ones are welcome).
    expected = {
        "id": account.organization_id,
        "name": "Kanzlei Test",
        "plan": "team",
        "customer_count": 1,
        "customer_limit": None,
        "permissions": {
            "members_can_delete_customers": False,
            "members_can_send_links": True,
            "members_can_review_files": True,
            "members_can_manage_links": True,
        },
    }
    assert {field: body[field] for field in expected} == expected


def test_settings_and_plan_changes(account: Account, services: Services) -> None:
    admin = add_member(account, services.settings.data_dir, "admin")
    changed = admin.patch(
        "/api/v1/organization",
        json={"name": "  Kanzlei Neu ", "permissions": {"members_can_send_links": False}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Kanzlei Neu"
    assert changed.json()["permissions"]["members_can_send_links"] is False
    assert changed.json()["permissions"]["members_can_manage_links"] is True

    refused = admin.patch("/api/v1/organization", json={"plan": "pro"})
    assert refused.status_code == 403
    assert account.get("/api/v1/organization").json()["plan"] == "team"

    bad = account.patch(
        "/api/v1/organization",
        json={"name": "", "plan": "gold", "permissions": {"members_can_fly": True}},
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"name", "plan", "permissions.members_can_fly"}


def test_a_plan_below_the_customer_count_is_refused(account: Account) -> None:
    for i in range(11):
        account.create_customer(f"Kunde {i}")
    refused = account.patch("/api/v1/organization", json={"plan": "solo"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "plan_limit_reached"
    assert account.get("/api/v1/organization").json()["plan"] == "team"

    assert account.patch("/api/v1/organization", json={"plan": "pro"}).status_code == 200
    organization = account.get("/api/v1/organization").json()
    assert (organization["plan"], organization["customer_limit"]) == ("pro", 50)
    # Exactly at the cap is fine: the cap is not below the count.
    customers = account.get("/api/v1/customers", params={"limit": 1}).json()["items"]
    assert account.delete(f"/api/v1/customers/{customers[0]['id']}").status_code == 204
    assert account.patch("/api/v1/organization", json={"plan": "solo"}).status_code == 200
    assert account.post("/api/v1/customers", json={"name": "Elf"}).status_code == 403


def test_an_invited_person_joins_once_and_is_listed(
    account: Account, services: Services, http: httpx.Client
) -> None:
    data_dir = services.settings.data_dir
    local = f"Neu-{uuid4().hex[:8]}"
    response = account.post(
        "/api/v1/invitations", json={"email": f"{local}@Example.COM", "role": "member"}
    )
    assert response.status_code == 201, response.text
    invitation = response.json()
    assert (invitation["email"], invitation["role"]) == (f"{local}@example.com", "member")
    expires = datetime.fromisoformat(invitation["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=1)
    # (The outbox is shared with other tests on this server: their mails go elsewhere.)
    assert len(outbox(data_dir, to=f"{local}@example.com")) == 1
    second = f"zweite-{uuid4().hex[:8]}@example.com"
    token = invite(account, data_dir, "member", second)

    joined = accept(account, token, second, name="Erika Muster")
    again = http.post(
        f"/api/v1/invitations/{token}/accept", json={"name": "Noch mal", "password": PASSWORD}
    )
    assert again.status_code == 410
    assert again.json()["error"]["code"] == "invitation_used"

    assert joined.get("/api/v1/customers").status_code == 200
    members = account.get("/api/v1/members").json()["items"]
    assert [(m["email"], m["role"], m["name"]) for m in members] == [
        (account.email, "owner", None),
        (second, "member", "Erika Muster"),
    ]
    assert members[1]["user_id"] == joined.user_id
    # The new member signs in with the password they chose.
    signed_in = http.post("/api/v1/auth/token", json={"email": second, "password": PASSWORD})
    assert signed_in.status_code == 200


def test_unknown_and_expired_invitations(account: Account, services: Services) -> None:
    unknown = account.client.post(
        "/api/v1/invitations/inv_nothing/accept", json={"name": "X", "password": PASSWORD}
    )
    assert unknown.status_code == 404

    principal = services.app.accounts.authenticate(account.token)
    late_address = f"spaet-{uuid4().hex[:8]}@example.com"
    services.app.members.invite(
        principal, late_address, Role.VIEWER, now=datetime.now(UTC) - timedelta(days=8)
    )
    [mail] = outbox(services.settings.data_dir, to=late_address)
    late = account.client.post(
        f"/api/v1/invitations/{invitation_token(mail)}/accept",
        json={"name": "Zu Spät", "password": PASSWORD},
    )
    assert late.status_code == 410
    assert late.json()["error"]["code"] == "invitation_expired"
    assert len(account.get("/api/v1/members").json()["items"]) == 1


def test_accepting_needs_a_name_and_a_good_password(account: Account, services: Services) -> None:
    token = invite(account, services.settings.data_dir, "viewer")
    bad = account.client.post(
        f"/api/v1/invitations/{token}/accept", json={"name": " ", "password": "kurz"}
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"name", "password"}
    # A refused attempt does not use the invitation up.
    assert (
        account.client.post(
            f"/api/v1/invitations/{token}/accept", json={"name": "Ok", "password": PASSWORD}
        ).status_code
        == 201
    )


def test_invitations_for_existing_accounts_conflict(
    account: Account, other_account: Account, services: Services
) -> None:
    member = add_member(account, services.settings.data_dir, "member")
    for email in (other_account.email, member.email):
        response = account.post("/api/v1/invitations", json={"email": email, "role": "viewer"})
        assert response.status_code == 409, response.text


def test_the_last_owner_cannot_be_removed_or_demoted(account: Account, services: Services) -> None:
    me = f"/api/v1/members/{account.user_id}"
    for response in (account.patch(me, json={"role": "admin"}), account.delete(me)):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "last_owner"

    second = add_member(account, services.settings.data_dir, "owner")
    assert account.patch(me, json={"role": "admin"}).status_code == 200
    # Now `second` is the last owner.
    last = second.delete(f"/api/v1/members/{second.user_id}")
    assert last.status_code == 409
    assert second.delete(me).status_code == 204


def test_admins_cannot_touch_owners_or_make_owners(account: Account, services: Services) -> None:
    data_dir = services.settings.data_dir
    admin = add_member(account, data_dir, "admin")
    member = add_member(account, data_dir, "member")
    owner = f"/api/v1/members/{account.user_id}"
    for response in (
        admin.patch(owner, json={"role": "viewer"}),
        admin.delete(owner),
        admin.patch(f"/api/v1/members/{member.user_id}", json={"role": "owner"}),
        admin.post("/api/v1/invitations", json={"email": "boss@example.com", "role": "owner"}),
    ):
        assert response.status_code == 403, response.text
    changed = admin.patch(f"/api/v1/members/{member.user_id}", json={"role": "admin"})
    assert changed.status_code == 200
    assert changed.json()["role"] == "admin"
    bad = admin.patch(f"/api/v1/members/{member.user_id}", json={"role": "chef"})
    assert bad.status_code == 422


def test_a_removed_member_is_refused_at_once(
    account: Account, services: Services, http: httpx.Client
) -> None:
    member = add_member(account, services.settings.data_dir, "member")
    extra = member.post("/api/v1/tokens", json={"name": "Skript"}).json()["token"]
    with httpx.Client(base_url=str(http.base_url)) as browser:
        login = browser.post("/api/v1/sessions", json={"email": member.email, "password": PASSWORD})
        assert login.status_code == 201
        assert browser.get("/api/v1/sessions/current").status_code == 200
        assert member.get("/api/v1/customers").status_code == 200

        assert account.delete(f"/api/v1/members/{member.user_id}").status_code == 204

        assert member.get("/api/v1/customers").status_code == 401
        assert (
            http.get("/api/v1/customers", headers={"Authorization": f"Bearer {extra}"}).status_code
            == 401
        )
        assert browser.get("/api/v1/sessions/current").status_code == 401
    relogin = http.post("/api/v1/auth/token", json={"email": member.email, "password": PASSWORD})
    assert relogin.status_code == 401
    emails = [m["email"] for m in account.get("/api/v1/members").json()["items"]]
    assert member.email not in emails
    assert account.delete(f"/api/v1/members/{member.user_id}").status_code == 404


def test_a_removed_member_invited_back_gets_new_credentials_only(
    account: Account, services: Services
) -> None:
    data_dir = services.settings.data_dir
    member = add_member(account, data_dir, "member", name="Erst Name")
    old_session, _ = services.app.sessions.start(member.email, PASSWORD, "127.0.0.1")
    assert account.delete(f"/api/v1/members/{member.user_id}").status_code == 204

    token = invite(account, data_dir, "viewer", member.email)
    back = accept(account, token, member.email, name="Neuer Name")
    assert back.user_id == member.user_id
    assert member.get("/api/v1/customers").status_code == 401
    with httpx.Client(base_url=str(account.client.base_url)) as browser:
        browser.cookies[SESSION_COOKIE] = old_session
        assert browser.get("/api/v1/sessions/current").status_code == 401
    assert back.get("/api/v1/customers").status_code == 200
    assert back.post("/api/v1/customers", json={"name": "X"}).status_code == 403
    names = services.app.members.names(
        services.app.accounts.authenticate(account.token).organization_id
    )
    assert set(names.values()) == {account.email, "Neuer Name"}


def test_api_tokens_are_shown_once_listed_without_secret_and_revocable(
    account: Account, http: httpx.Client
) -> None:
    created = account.post("/api/v1/tokens", json={"name": "  Buchhaltung  "})
    assert created.status_code == 201, created.text
    token = created.json()
    assert token["name"] == "Buchhaltung" and token["token"].startswith("dit_")
    listed = account.get("/api/v1/tokens").json()["items"]
    assert [t["name"] for t in listed] == ["signup", "Buchhaltung"]
    assert all(set(t) == {"id", "name", "created_at"} for t in listed)
    assert token["token"] not in str(listed)

    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert http.get("/api/v1/customers", headers=bearer).status_code == 200
    assert account.delete(f"/api/v1/tokens/{token['id']}").status_code == 204
    assert http.get("/api/v1/customers", headers=bearer).status_code == 401
    assert [t["name"] for t in account.get("/api/v1/tokens").json()["items"]] == ["signup"]
    assert account.delete(f"/api/v1/tokens/{token['id']}").status_code == 404
    assert account.post("/api/v1/tokens", json={"name": ""}).status_code == 422

    # Revoking the token one is using ends it too.
    [own] = account.get("/api/v1/tokens").json()["items"]
    assert account.delete(f"/api/v1/tokens/{own['id']}").status_code == 204
    assert account.get("/api/v1/tokens").status_code == 401


def test_every_team_change_is_recorded_with_its_actor(account: Account, services: Services) -> None:
    data_dir = services.settings.data_dir
    member = add_member(account, data_dir, "member")
    account.patch(f"/api/v1/members/{member.user_id}", json={"role": "viewer"})
    account.patch("/api/v1/organization", json={"permissions": {"members_can_send_links": False}})
    account.patch("/api/v1/organization", json={"plan": "pro"})
    account.delete(f"/api/v1/members/{member.user_id}")

    organization_id = services.app.accounts.authenticate(account.token).organization_id
    events = [
        (type(e).__name__, str(getattr(e, "actor_id", "")))
        for e in services.app.events.get(organization_id)
    ]
    assert events == [
        ("OrganizationCreated", account.user_id),
        ("MemberInvited", account.user_id),
        ("MemberJoined", member.user_id),
        ("MemberRoleChanged", account.user_id),
        ("PermissionsChanged", account.user_id),
        ("PlanChanged", account.user_id),
        ("MemberRemoved", account.user_id),
    ]
    organization = services.app.load(organization_id, Organization)
    assert organization.former_member_ids() == [UUID(member.user_id)]
    assert services.app.members.names(organization_id)[UUID(member.user_id)] == "Erika Muster"


def test_the_owner_may_give_a_name_at_signup(http: httpx.Client, services: Services) -> None:
    owner = signup(http, plan="solo")
    response = http.post(
        "/api/v1/signup",
        json={
            "organization_name": "Kanzlei Name",
            "email": f"benannt-{uuid4().hex[:8]}@example.com",
            "password": PASSWORD,
            "name": "Dr. Petra Beispiel",
        },
    )
    assert response.status_code == 201
    body = response.json()
    names = services.app.members.names(UUID(body["organization_id"]))
    assert names == {UUID(body["user_id"]): "Dr. Petra Beispiel"}
    assert owner.get("/api/v1/members").json()["items"][0]["name"] is None
