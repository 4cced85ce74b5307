"""Words that several surfaces share (pages, mails, history), so each thing has one name."""

from __future__ import annotations

#: The team roles as people read them, in the settings, the invitation mail and its page.
ROLE_NAMES: dict[str, dict[str, str]] = {
    "de": {
        "owner": "Inhaber",
        "admin": "Administrator",
        "member": "Mitglied",
        "viewer": "Betrachter (nur lesen)",
    },
    "en": {
        "owner": "Owner",
        "admin": "Admin",
        "member": "Member",
        "viewer": "Viewer (read only)",
    },
}


def role_name(role: str, lang: str) -> str:
    names = ROLE_NAMES.get(lang, ROLE_NAMES["de"])
    return names.get(role, role)
