"""Members, invitations and tokens of one organisation are out of reach of another."""

from __future__ import annotations

import uuid

from infrastructure.bootstrap import Services
from tests.support.api import Account
from tests.support.team import accept, add_member, invite


def test_another_organisations_members_are_not_found(
    account: Account, other_account: Account, services: Services
) -> None:
    theirs = add_member(other_account, services.settings.data_dir, "member")
    for target in (other_account.user_id, theirs.user_id):
        path = f"/api/v1/members/{target}"
        for response in (account.patch(path, json={"role": "viewer"}), account.delete(path)):
            assert response.status_code == 404, response.text
            assert response.json()["error"]["code"] == "not_found"
    assert theirs.get("/api/v1/customers").status_code == 200
    roles = {m["user_id"]: m["role"] for m in other_account.get("/api/v1/members").json()["items"]}
    assert roles == {other_account.user_id: "owner", theirs.user_id: "member"}
    mine = [m["user_id"] for m in account.get("/api/v1/members").json()["items"]]
    assert mine == [account.user_id]


def test_tokens_are_only_ever_ones_own(
    account: Account, other_account: Account, services: Services
) -> None:
    colleague = add_member(account, services.settings.data_dir, "admin")
    targets = [
        other_account.get("/api/v1/tokens").json()["items"][0]["id"],
        colleague.get("/api/v1/tokens").json()["items"][0]["id"],
    ]
    for token_id in targets:
        response = account.delete(f"/api/v1/tokens/{token_id}")
        assert response.status_code == 404
    assert other_account.get("/api/v1/tokens").status_code == 200
    assert colleague.get("/api/v1/tokens").status_code == 200
    assert [t["name"] for t in account.get("/api/v1/tokens").json()["items"]] == ["signup"]


def test_an_invitation_joins_only_the_inviting_organisation(
    account: Account, other_account: Account, services: Services
) -> None:
    secret = other_account.create_customer("Geheim")
    email = f"neu-im-team-{uuid.uuid4().hex[:8]}@example.com"
    joined = accept(account, invite(account, services.settings.data_dir, "admin", email), email)
    assert joined.get(f"/api/v1/customers/{secret['id']}").status_code == 404
    assert joined.get("/api/v1/customers").json()["total"] == 0
    assert joined.get("/api/v1/organization").json()["id"] == account.organization_id
    # The same address cannot be invited into a second organisation.
    again = other_account.post("/api/v1/invitations", json={"email": email, "role": "viewer"})
    assert again.status_code == 409


def test_organisation_settings_are_per_organisation(
    account: Account, other_account: Account
) -> None:
    switches = {"permissions": {"members_can_delete_customers": True}}
    assert account.patch("/api/v1/organization", json=switches).status_code == 200
    assert account.patch("/api/v1/organization", json={"name": "Nur Meine"}).status_code == 200
    theirs = other_account.get("/api/v1/organization").json()
    assert theirs["name"] == "Andere Kanzlei"
    assert theirs["permissions"]["members_can_delete_customers"] is False
