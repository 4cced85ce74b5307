"""Values as people read them: sizes, dates and times in the organisation's time zone, file
types in words, counts with their singular and plural.

Every page, mail and activity entry writes values through here, so a file has one size and a
moment one date everywhere. Stored and API times stay UTC; only what people read is local.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, tzinfo
from datetime import datetime as Moment
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from application.texts.languages import DEFAULT_LANGUAGE, LANGUAGES

#: The organisations are in Germany unless they choose another zone.
DEFAULT_TIME_ZONE = "Europe/Berlin"

#: One base for every size shown: 1 KB = 1,024 bytes (a link's "1 MB" is 1,048,576 bytes).
SIZE_BASE = 1024
_UNITS = ("KB", "MB", "GB", "TB")

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# File types in words; a type not named here is told by its family, never by its MIME name.
_TYPE_WORDS = {
    "de": {
        "application/pdf": "PDF-Dokumente",
        "image/*": "Bilder",
        "image/jpeg": "JPEG-Bilder",
        "image/png": "PNG-Bilder",
        "image/heic": "HEIC-Fotos",
        "image/tiff": "TIFF-Bilder",
        "text/plain": "Textdateien",
        "text/*": "Textdateien",
        "text/csv": "CSV-Tabellen",
        "application/zip": "ZIP-Archive",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word-Dokumente",
        "application/msword": "Word-Dokumente",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel-Tabellen",
        "application/vnd.ms-excel": "Excel-Tabellen",
    },
    "en": {
        "application/pdf": "PDF documents",
        "image/*": "images",
        "image/jpeg": "JPEG images",
        "image/png": "PNG images",
        "image/heic": "HEIC photos",
        "image/tiff": "TIFF images",
        "text/plain": "text files",
        "text/*": "text files",
        "text/csv": "CSV tables",
        "application/zip": "ZIP archives",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word documents",
        "application/msword": "Word documents",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel tables",
        "application/vnd.ms-excel": "Excel tables",
    },
}
_FAMILY_WORDS = {
    "de": {"image": "Bilder", "text": "Textdateien", "audio": "Audiodateien",
           "video": "Videos", "application": "weitere Dokumente"},
    "en": {"image": "images", "text": "text files", "audio": "audio files",
           "video": "videos", "application": "other documents"},
}  # fmt: skip
_IMAGES_DETAIL = {"de": "Bilder (JPEG, PNG)", "en": "images (JPEG, PNG)"}
_AND = {"de": "und", "en": "and"}


@lru_cache(maxsize=64)
def time_zone(name: str | None) -> tzinfo:
    """The zone of that IANA name; the default zone for none; UTC only when the machine has
    no time-zone database at all."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        try:
            return ZoneInfo(DEFAULT_TIME_ZONE)
        except ZoneInfoNotFoundError:
            return UTC


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _number(value: float, lang: str, decimals: int = 1) -> str:
    text = f"{value:,.{decimals}f}"
    if lang == "de":
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def file_size(size: int, lang: str) -> str:
    """`2,4 MB` (German) / `2.4 MB`; below 1 KB in bytes as a word, `512 Byte` / `512 bytes`."""
    lang = _lang(lang)
    if size < SIZE_BASE:
        return f"{size} Byte" if lang == "de" else f"{size} {'byte' if size == 1 else 'bytes'}"
    value = float(size)
    unit = ""
    for unit in _UNITS:  # noqa: B007 (the unit the loop stops at is the one shown)
        value /= SIZE_BASE
        if round(value, 1) < SIZE_BASE:
            break
    return f"{_number(value, lang)} {unit}"


def count(number: int, one: str, many: str) -> str:
    """`1 Datei`, `3 Dateien`: the word in singular or plural, with the number."""
    return f"{number} {one if number == 1 else many}"


def file_types(types: Iterable[str], lang: str) -> str:
    """Allowed MIME types in words: `PDF-Dokumente und Bilder (JPEG, PNG)`."""
    lang = _lang(lang)
    words: list[str] = []
    for mime in types:
        mime = mime.strip().lower()
        if mime == "image/*":
            word = _IMAGES_DETAIL[lang]
        else:
            word = _TYPE_WORDS[lang].get(mime) or _FAMILY_WORDS[lang].get(
                mime.split("/", 1)[0], _FAMILY_WORDS[lang]["application"]
            )
        if word not in words:
            words.append(word)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {_AND[lang]} {words[-1]}"


class Formats:
    """Dates, times and sizes as the reader's language writes them, in the organisation's
    time zone (templates and mails call these)."""

    def __init__(self, lang: str, zone: str | None = None, *, never: str = "–") -> None:
        self.lang = _lang(lang)
        self.zone_name = zone or DEFAULT_TIME_ZONE
        self.zone = time_zone(zone)
        self.never = never

    def local(self, moment: Moment) -> Moment:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone)

    def date(self, moment: Moment | None) -> str:
        """`24.01.2025` / `24 January 2025`."""
        if moment is None:
            return self.never
        local = self.local(moment)
        if self.lang == "de":
            return f"{local:%d.%m.%Y}"
        return f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year}"

    def time(self, moment: Moment | None) -> str:
        return self.never if moment is None else f"{self.local(moment):%H:%M}"

    def datetime(self, moment: Moment | None) -> str:
        """`24.01.2025, 14:30` / `24 January 2025, 14:30`."""
        if moment is None:
            return self.never
        return f"{self.date(moment)}, {self.time(moment)}"

    @staticmethod
    def iso(moment: Moment | None) -> str:
        """The machine-readable moment for `<time datetime=...>` (UTC)."""
        return moment.astimezone(UTC).isoformat() if moment else ""

    def size(self, size: int) -> str:
        return file_size(size, self.lang)

    def types(self, types: Iterable[str]) -> str:
        return file_types(types, self.lang)
