"""Each member's own notification settings."""

from __future__ import annotations

from application.docintake import DocIntake
from application.principal import Principal
from tests.commands.conftest import member


def test_each_member_switches_their_own_upload_mails(app: DocIntake, owner: Principal) -> None:
    viewer = member(app, owner, "viewer", "leser@example.com")
    assert app.notifications.settings(viewer).uploads is True
    changed = app.notifications.change(viewer, False)
    assert changed.settings.uploads is False and changed.id == viewer.user_id
    assert app.notifications.settings(viewer).uploads is False
    assert app.notifications.settings(owner).uploads is True
