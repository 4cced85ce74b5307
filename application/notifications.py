"""Each team member's own notification settings."""

from __future__ import annotations

from dataclasses import dataclass

from application.command import Context, Recorded, command
from application.permissions import Action, authorize
from application.principal import Principal
from domain.user import User


@dataclass(frozen=True)
class NotificationSettings:
    """What the member is e-mailed about: `uploads` = files clients uploaded."""

    uploads: bool


@dataclass(frozen=True)
class NotificationSettingsChanged(Recorded):
    """`id` is the member's user id; `settings` as they are now."""

    settings: NotificationSettings


class Notifications(Context):
    """Each member chooses what they are e-mailed about."""

    def settings(self, principal: Principal) -> NotificationSettings:
        authorize(principal, Action.READ)
        user = self.app.load(principal.user_id, User)
        return NotificationSettings(uploads=user.upload_notifications)

    @command(Action.CHANGE_OWN_SETTINGS)
    def change(self, principal: Principal, uploads: bool) -> NotificationSettingsChanged:
        """Switch one's own upload notifications on or off (every role may)."""
        user = self.app.load(principal.user_id, User)
        user.notify_about_uploads(uploads, principal.user_id)
        settings = NotificationSettings(uploads=user.upload_notifications)
        return NotificationSettingsChanged(user.id, self.app.record(user), settings)
