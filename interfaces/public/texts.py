"""The public pages' words, in German (default) and English."""

from __future__ import annotations

from typing import Any

from litestar import Request

LANGUAGES = ("de", "en")

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "asks": "{organization} bittet Sie um Dokumente",
        "requested": "Angeforderte Unterlagen",
        "received": "erhalten",
        "missing": "fehlt noch",
        "limits": "Bis zu {size} pro Datei",
        "limits_count": "noch {count} Dateien möglich",
        "types": "Erlaubte Dateitypen: {types}",
        "expires": "Dieser Link ist gültig bis {date}.",
        "your_name": "Ihr Name (optional)",
        "your_email": "Ihre E-Mail-Adresse (optional)",
        "for_item": "Die Dateien gehören zu",
        "no_item": "— keiner bestimmten Unterlage —",
        "drop": "Dateien hierher ziehen oder",
        "choose": "Dateien auswählen",
        "upload": "Hochladen",
        "uploading": "wird hochgeladen …",
        "done": "Hochgeladen",
        "failed": "Fehlgeschlagen",
        "arrived": "Diese Dateien sind angekommen:",
        "thanks": "Vielen Dank! Ihre Dateien sind sicher übermittelt.",
        "password_needed": "Dieser Link ist mit einem Passwort geschützt.",
        "password": "Passwort",
        "open": "Öffnen",
        "not_found_title": "Link nicht gefunden",
        "not_found": "Diesen Upload-Link gibt es nicht. Bitte prüfen Sie die Adresse.",
        "expired_title": "Link abgelaufen",
        "expired": "Dieser Upload-Link ist abgelaufen. Bitte fragen Sie nach einem neuen Link.",
        "revoked_title": "Link zurückgezogen",
        "revoked": (
            "Dieser Upload-Link wurde zurückgezogen. Bitte fragen Sie nach einem neuen Link."
        ),
        "locked_title": "Link gesperrt",
        "locked": "Nach zu vielen falschen Passwörtern ist dieser Link gesperrt.",
        "download_title": "Eine Datei für Sie",
        "download_from": "{organization} stellt Ihnen diese Datei bereit:",
        "download": "Herunterladen",
        "download_expired": "Dieser Download ist abgelaufen.",
        "download_revoked": "Dieser Download ist nicht mehr verfügbar.",
        "language": "English",
        "bytes": "Bytes",
    },
    "en": {
        "asks": "{organization} asks you for documents",
        "requested": "Requested documents",
        "received": "received",
        "missing": "still missing",
        "limits": "Up to {size} per file",
        "limits_count": "{count} more files possible",
        "types": "Allowed file types: {types}",
        "expires": "This link is valid until {date}.",
        "your_name": "Your name (optional)",
        "your_email": "Your e-mail address (optional)",
        "for_item": "These files are for",
        "no_item": "— no particular document —",
        "drop": "Drop files here or",
        "choose": "choose files",
        "upload": "Upload",
        "uploading": "uploading …",
        "done": "Uploaded",
        "failed": "Failed",
        "arrived": "These files have arrived:",
        "thanks": "Thank you! Your files have been delivered securely.",
        "password_needed": "This link is protected by a password.",
        "password": "Password",
        "open": "Open",
        "not_found_title": "Link not found",
        "not_found": "This upload link does not exist. Please check the address.",
        "expired_title": "Link expired",
        "expired": "This upload link has expired. Please ask for a new link.",
        "revoked_title": "Link revoked",
        "revoked": "This upload link has been revoked. Please ask for a new link.",
        "locked_title": "Link locked",
        "locked": "This link is locked after too many wrong passwords.",
        "download_title": "A file for you",
        "download_from": "{organization} provides this file for you:",
        "download": "Download",
        "download_expired": "This download has expired.",
        "download_revoked": "This download is no longer available.",
        "language": "Deutsch",
        "bytes": "bytes",
    },
}


def language_of(request: Request[Any, Any, Any]) -> str:
    """`?lang=` first, then the first supported language in Accept-Language, else German."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "de"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
