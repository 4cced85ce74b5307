"""The languages we write, German first, and how a reader's language is chosen."""

from __future__ import annotations

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"


def supported(value: object) -> str | None:
    """`value` when it names a language we write (`de`, `en`), else None."""
    return value if isinstance(value, str) and value in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first language we write in an Accept-Language header (`de-DE, en;q=0.5`)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower()[:2]
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if code in LANGUAGES and quality > 0:
            weighted.append((-quality, index, code))
    return min(weighted)[2] if weighted else None


def negotiate(*choices: object, accept_language: str | None = None) -> str:
    """The first explicit choice we write (`?lang=`, a cookie, a setting), then the browser's
    Accept-Language, else German."""
    for choice in choices:
        chosen = supported(choice)
        if chosen:
            return chosen
    return from_accept_language(accept_language) or DEFAULT_LANGUAGE


def other_language(lang: str) -> str:
    """The language a page's switch offers."""
    return "en" if lang == "de" else "de"
