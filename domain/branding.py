"""How an organisation shows itself to its clients: logo, accent colour, and the name and
reply address its client mails carry.

One small aggregate per organisation, its id derived from the organisation's (nothing of
one organisation is reachable from another). It holds no customer's data: the reply
address is the office's, the sender name its own words.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidValue, Problem, all_checked, problem
from domain.one_per_organization import OnePerOrganization
from domain.values import email_address, text_value

_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/branding")

SENDER_NAME_MAX_LENGTH = 100
#: The colour of the text the accent colour is used with: white on buttons and bars (and
#: the accent as text on white, which is the same contrast).
TEXT_ON_ACCENT = "#ffffff"
#: WCAG 2 level AA for normal text.
MIN_CONTRAST = 4.5
#: What the pages use where the organisation chose no accent colour.
DEFAULT_ACCENT = "#0b5cad"

_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
# Characters a mail header or a page must not get from a display name: control and
# format characters (bidi overrides, zero-width joiners) and Unicode line separators.
_REFUSED_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour `#rrggbb` (0 black .. 1 white)."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 (none) .. 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def accent_color(value: object, field: str = "accent_color") -> str | None:
    """A colour `#rrggbb` (stored lower-case) that white text reads on at 4.5:1 or more;
    blank means none (the pages' own blue)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _HEX_COLOR.fullmatch(value):
        raise InvalidValue.single(
            field, problem("not_a_color", "must be a colour written #rrggbb, e.g. #0b5cad")
        )
    color = value.lower()
    ratio = contrast_ratio(color, TEXT_ON_ACCENT)
    if ratio < MIN_CONTRAST:
        # Rounded down: a ratio of 4.497 must not read as the 4.5 it misses.
        shown = math.floor(ratio * 100) / 100
        raise InvalidValue.single(
            field,
            Problem(
                "contrast_too_low",
                f"white text on {color} has a contrast ratio of {shown:.2f}:1;"
                f" at least {MIN_CONTRAST}:1 is needed (choose a darker colour)",
                {"ratio": shown, "minimum": MIN_CONTRAST, "color": color},
            ),
        )
    return color


def sender_name(value: object, field: str = "sender_name") -> str | None:
    """The display name of client mails' `From` (`Kanzlei Müller <noreply@…>`): one line,
    no control or format characters; blank means the organisation's name."""
    name = text_value(value, field, max_length=SENDER_NAME_MAX_LENGTH)
    if name is None:
        return None
    if any(unicodedata.category(character) in _REFUSED_IN_NAMES for character in name):
        raise InvalidValue.single(
            field, problem("control_characters", "must not contain control characters")
        )
    return name


def reply_to(value: object, field: str = "reply_to") -> str | None:
    """Where clients' answers to client mails go; blank means the staff member who sent."""
    return email_address(value, field)


class Branding(OnePerOrganization, Aggregate):
    """The organisation's face on client pages and in client mails.

    `logo` is None or `{name, content_type, width, height, size, sha256}`: `name` is the
    object's name in file storage and in its public URL (a hash of the organisation and
    the re-encoded bytes, so a new logo has a new URL and the old one may be cached for
    good).
    """

    id_namespace = _NAMESPACE

    class BrandingStarted(Aggregate.Created):
        organization_id: UUID

    class AccentColorChanged(Aggregate.Event):
        accent_color: str | None
        actor_id: UUID

    class SenderChanged(Aggregate.Event):
        """The display name and reply address of client mails."""

        sender_name: str | None
        reply_to: str | None
        actor_id: UUID

    class LogoChanged(Aggregate.Event):
        logo: dict[str, Any]
        actor_id: UUID

    class LogoRemoved(Aggregate.Event):
        actor_id: UUID

    @event(BrandingStarted)
    def __init__(self, organization_id: UUID) -> None:
        self.organization_id = organization_id
        self.accent_color: str | None = None
        self.sender_name: str | None = None
        self.reply_to: str | None = None
        self.logo: dict[str, Any] | None = None
        #: Who changed the branding last (the history has every change).
        self.changed_by: UUID | None = None

    def change(self, accent: object, name: object, reply_address: object, actor_id: UUID) -> bool:
        """Set all three (None clears one); every field is checked before anything changes."""
        checked = all_checked(
            {
                "accent_color": lambda: accent_color(accent),
                "sender_name": lambda: sender_name(name),
                "reply_to": lambda: reply_to(reply_address),
            }
        )
        changed = False
        if checked["accent_color"] != self.accent_color:
            self._accent_color_changed(accent_color=checked["accent_color"], actor_id=actor_id)
            changed = True
        if (checked["sender_name"], checked["reply_to"]) != (self.sender_name, self.reply_to):
            self._sender_changed(
                sender_name=checked["sender_name"], reply_to=checked["reply_to"], actor_id=actor_id
            )
            changed = True
        return changed

    @event(AccentColorChanged)
    def _accent_color_changed(self, accent_color: str | None, actor_id: UUID) -> None:
        self.accent_color = accent_color
        self.changed_by = actor_id

    @event(SenderChanged)
    def _sender_changed(
        self, sender_name: str | None, reply_to: str | None, actor_id: UUID
    ) -> None:
        self.sender_name = sender_name
        self.reply_to = reply_to
        self.changed_by = actor_id

    def replace_logo(self, logo: dict[str, Any], actor_id: UUID) -> bool:
        if self.logo is not None and self.logo.get("name") == logo.get("name"):
            return False
        self._logo_changed(logo=dict(logo), actor_id=actor_id)
        return True

    @event(LogoChanged)
    def _logo_changed(self, logo: dict[str, Any], actor_id: UUID) -> None:
        self.logo = logo
        self.changed_by = actor_id

    def remove_logo(self, actor_id: UUID) -> bool:
        if self.logo is None:
            return False
        self._logo_removed(actor_id=actor_id)
        return True

    @event(LogoRemoved)
    def _logo_removed(self, actor_id: UUID) -> None:
        self.logo = None
        self.changed_by = actor_id
