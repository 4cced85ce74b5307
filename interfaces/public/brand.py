"""What the client's pages show of the organisation's branding: its logo and its accent
colour (a stylesheet of one rule, so the pages' policy still allows our own styles only)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.branding import BrandingSettings

#: The height the logo is shown at on the client's pages, in CSS pixels.
LOGO_SHOWN_HEIGHT = 56


def brand_of(
    branding: BrandingSettings, organization_id: UUID, organization_name: str
) -> dict[str, Any]:
    """`logo` (path, size shown, the organisation's name as its text) and `accent_css`
    (None: the pages' own colour)."""
    view = branding.of_organization(organization_id)
    logo = view.logo
    shown: dict[str, Any] | None = None
    if logo is not None:
        height = min(LOGO_SHOWN_HEIGHT, logo.height)
        shown = {
            "src": view.logo_path(),
            "alt": organization_name,
            "height": height,
            "width": round(logo.width * height / logo.height),
        }
    accent = view.accent_color
    return {
        "logo": shown,
        "accent_css": f"/accent/{accent.removeprefix('#')}.css" if accent else None,
    }
