"""The organisation's branding: read and change its colour and mail sender, upload and
remove its logo, and what client pages and client mails show of it.

The logo's bytes live in the file store under `logos/<name>` (public, not sealed with any
customer's key); its event names them. A new logo is written before its event is
recorded and removed again if recording fails; a replaced or removed logo's bytes go
once the change is recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.command import Context, Recorded, command
from application.errors import NotFound
from application.logo_image import reencoded_logo
from application.permissions import Action, authorize
from application.ports import FileStore, ObjectMissing
from application.principal import Principal
from domain.branding import DEFAULT_ACCENT, TEXT_ON_ACCENT, Branding

log = logging.getLogger(__name__)

LOGOS = "logos/"


def logo_key(name: str) -> str:
    return f"{LOGOS}{name}"


@dataclass(frozen=True)
class LogoView:
    name: str
    content_type: str
    width: int
    height: int
    size: int


@dataclass(frozen=True)
class BrandingView:
    """What the organisation set (None: not set) and what clients are shown."""

    organization_id: UUID
    accent_color: str | None
    sender_name: str | None
    reply_to: str | None
    logo: LogoView | None
    #: When and by whom it was changed last (None: never).
    changed_at: datetime | None = None
    changed_by: UUID | None = None

    @property
    def shown_accent(self) -> str:
        return self.accent_color or DEFAULT_ACCENT

    @property
    def text_color(self) -> str:
        return TEXT_ON_ACCENT

    def logo_path(self) -> str | None:
        return f"/logos/{self.logo.name}" if self.logo else None


@dataclass(frozen=True)
class BrandingChanged(Recorded):
    """`id` is the branding's; `branding` as saved."""

    branding: BrandingView


def branding_view(organization_id: UUID, branding: Branding | None) -> BrandingView:
    if branding is None:
        return BrandingView(organization_id, None, None, None, None)
    logo: dict[str, Any] | None = branding.logo
    return BrandingView(
        organization_id=organization_id,
        accent_color=branding.accent_color,
        sender_name=branding.sender_name,
        reply_to=branding.reply_to,
        logo=LogoView(
            name=str(logo["name"]),
            content_type=str(logo["content_type"]),
            width=int(logo["width"]),
            height=int(logo["height"]),
            size=int(logo["size"]),
        )
        if logo
        else None,
        changed_at=branding.modified_on if branding.changed_by else None,
        changed_by=branding.changed_by,
    )


class BrandingSettings(Context):
    """Logo, accent colour, sender name and reply address of the organisation."""

    @property
    def store(self) -> FileStore:
        return self.app.public_files

    def _loaded(self, organization_id: UUID) -> Branding | None:
        try:
            return self.app.load(Branding.id_for(organization_id), Branding)
        except NotFound:
            return None

    def _loaded_or_started(self, organization_id: UUID) -> Branding:
        return self._loaded(organization_id) or Branding(organization_id=organization_id)

    def of_organization(self, organization_id: UUID) -> BrandingView:
        """What clients see of the organisation (pages and mails; no caller to check)."""
        return branding_view(organization_id, self._loaded(organization_id))

    def get(self, principal: Principal) -> BrandingView:
        authorize(principal, Action.READ)
        return self.of_organization(principal.organization_id)

    @command(Action.MANAGE_SETTINGS)
    def change(
        self,
        principal: Principal,
        accent_color: str | None,
        sender_name: str | None,
        reply_to: str | None,
    ) -> BrandingChanged:
        """Set the accent colour, the mails' sender name and reply address (None clears)."""
        branding = self._loaded_or_started(principal.organization_id)
        branding.change(accent_color, sender_name, reply_to, principal.user_id)
        position = self.app.record(branding)
        return BrandingChanged(
            branding.id, position, branding_view(principal.organization_id, branding)
        )

    def upload_logo(self, principal: Principal, data: bytes) -> BrandingChanged:
        """Check, re-encode and store a new logo (PNG or JPEG, at most 1 MiB and 4000
        pixels a side); the one before it is removed."""
        authorize(principal, Action.MANAGE_SETTINGS)
        logo = reencoded_logo(data)
        facts = logo.facts(principal.organization_id)
        key = logo_key(str(facts["name"]))
        writer = self.store.writer(key)
        try:
            writer.write(logo.data)
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        replaced: list[str] = []

        def attempt() -> BrandingChanged:
            replaced.clear()
            branding = self._loaded_or_started(principal.organization_id)
            before = branding.logo["name"] if branding.logo else None
            if branding.replace_logo(facts, principal.user_id) and before:
                replaced.append(str(before))
            position = self.app.record(branding)
            return BrandingChanged(
                branding.id, position, branding_view(principal.organization_id, branding)
            )

        try:
            changed = self.app.retrying(attempt)
        except BaseException:
            current = self.of_organization(principal.organization_id).logo
            if current is None or current.name != facts["name"]:
                self.store.delete(key)
            raise
        self._forget(replaced)
        return changed

    def remove_logo(self, principal: Principal) -> BrandingChanged:
        """Remove the logo: pages and mails show the organisation's name again."""
        authorize(principal, Action.MANAGE_SETTINGS)
        removed: list[str] = []

        def attempt() -> BrandingChanged:
            removed.clear()
            branding = self._loaded_or_started(principal.organization_id)
            before = branding.logo["name"] if branding.logo else None
            if branding.remove_logo(principal.user_id) and before:
                removed.append(str(before))
            position = self.app.record(branding) if removed else self.app.head()
            return BrandingChanged(
                branding.id, position, branding_view(principal.organization_id, branding)
            )

        changed = self.app.retrying(attempt)
        self._forget(removed)
        return changed

    def _forget(self, names: list[str]) -> None:
        for name in names:
            try:
                self.store.delete(logo_key(name))
            except Exception:
                # The change is recorded; a leftover object is harmless and found by its prefix.
                log.warning("could not remove a replaced logo from storage", exc_info=True)

    def logo_bytes(self, name: str) -> bytes | None:
        """A stored logo's bytes by its name, None when there is none."""
        try:
            return b"".join(self.store.read(logo_key(name)))
        except ObjectMissing:
            return None
