"""Safe file names for what clients and staff upload (the original is kept as data)."""

from __future__ import annotations

import unicodedata

FILE_NAME_MAX_LENGTH = 180
FALLBACK_NAME = "datei"
# Characters that mean something to a file system or a shell, on some system.
_UNSAFE = set('<>:"/\\|?*')
_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


def safe_file_name(original: str | None) -> str:
    """Only the last path part, no control or reserved characters, bounded length.

    The extension survives shortening, so `bescheinigung.pdf` stays a `.pdf`.
    """
    name = unicodedata.normalize("NFC", original or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        "_" if c in _UNSAFE else c
        for c in name
        if unicodedata.category(c) not in {"Cc", "Cf", "Zl", "Zp"}
    )
    name = " ".join(name.split()).rstrip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    # Leading dots and blanks go; a name that was only an extension (" .pdf") keeps it.
    stem = stem.strip(" .")
    extension = extension.strip(" ")
    if not stem and not extension:
        return FALLBACK_NAME
    if stem.casefold() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    extension = extension[:16]
    room = FILE_NAME_MAX_LENGTH - (len(extension) + 1 if extension else 0)
    stem = stem[:room].rstrip(" .") or FALLBACK_NAME
    return f"{stem}.{extension}" if extension else stem
