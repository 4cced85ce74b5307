"""A member's own API tokens: create, list, revoke."""

from __future__ import annotations

import pytest

from application.docintake import DocIntake
from application.errors import NotFound, Unauthenticated
from application.principal import Principal


def test_create_list_and_revoke_a_token(app: DocIntake, owner: Principal) -> None:
    issued = app.api_tokens.create(owner, "Buchhaltung – DATEV 🧾")
    assert app.accounts.authenticate(issued.token).user_id == owner.user_id
    names = [view.name for view in app.api_tokens.live(owner)]
    assert names == ["signup", "Buchhaltung – DATEV 🧾"]
    assert app.api_tokens.get(owner, issued.token_id).name == "Buchhaltung – DATEV 🧾"
    revoked = app.api_tokens.revoke(owner, issued.token_id)
    assert revoked.id == issued.token_id and revoked.position == app.head()
    with pytest.raises(Unauthenticated):
        app.accounts.authenticate(issued.token)
    assert [view.name for view in app.api_tokens.live(owner)] == ["signup"]


def test_another_users_token_is_not_found(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    issued = app.api_tokens.create(owner, "Skript")
    with pytest.raises(NotFound):
        app.api_tokens.revoke(stranger, issued.token_id)
    with pytest.raises(NotFound):
        app.api_tokens.get(stranger, issued.token_id)
    assert app.accounts.authenticate(issued.token).user_id == owner.user_id
