"""The signed-in member's own notification settings."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from application.notifications import Notifications as NotificationCommands
from application.notifications import NotificationSettings
from application.principal import Principal
from interfaces.http.consistency import Reads


class Notifications(msgspec.Struct):
    """`uploads`: e-mail me when clients upload files (a digest per link)."""

    uploads: bool


class NotificationsRequest(msgspec.Struct, forbid_unknown_fields=True):
    uploads: bool


def notifications_body(settings: NotificationSettings) -> Notifications:
    return Notifications(uploads=settings.uploads)


class NotificationController(Controller):
    path = "/api/v1/members/me/notifications"
    tags = ["organisation"]

    @get("/", sync_to_thread=True)
    def get_notifications(
        self,
        notifications: NamedDependency[NotificationCommands],
        principal: NamedDependency[Principal],
    ) -> Notifications:
        """What the caller is e-mailed about."""
        return notifications_body(notifications.settings(principal))

    @put("/", sync_to_thread=True)
    def change_notifications(
        self,
        notifications: NamedDependency[NotificationCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        data: JSONBody[NotificationsRequest],
    ) -> Response[Notifications]:
        """Switch one's own upload notifications on or off (any role)."""
        changed = notifications.change(principal, data.uploads)
        return reads.recorded(changed, notifications_body(changed.settings))
