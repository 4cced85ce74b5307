"""Each team member's own notification settings."""

from __future__ import annotations

from dataclasses import dataclass

from application.base import DocIntakeBase
from application.permissions import Action, authorize
from application.principal import Principal
from domain.errors import InvalidValue
from domain.user import User


@dataclass(frozen=True)
class NotificationSettings:
    """What the member is e-mailed about: `uploads` = files clients uploaded."""

    uploads: bool


class NotificationCommands(DocIntakeBase):
    def notification_settings(self, principal: Principal) -> NotificationSettings:
        authorize(principal, Action.READ)
        return NotificationSettings(uploads=self.load(principal.user_id, User).upload_notifications)

    def change_notification_settings(
        self, principal: Principal, uploads: object
    ) -> tuple[NotificationSettings, int]:
        """Switch one's own upload notifications on or off (every role may)."""
        authorize(principal, Action.CHANGE_OWN_SETTINGS)
        if not isinstance(uploads, bool):
            raise InvalidValue.single("uploads", "must be true or false")

        def attempt() -> tuple[NotificationSettings, int]:
            user = self.load(principal.user_id, User)
            user.notify_about_uploads(uploads, principal.user_id)
            return NotificationSettings(uploads=user.upload_notifications), self.record(user)

        return self.retrying(attempt)
