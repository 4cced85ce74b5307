"""What a file is, judged from its first bytes, never from its name."""

from __future__ import annotations

import puremagic

SNIFF_BYTES = 8192
UNKNOWN = "application/octet-stream"


def sniff_content_type(head: bytes, filename: str | None = None) -> str:
    """The MIME type the bytes show; the name only breaks ties between candidates.

    A PDF renamed `.jpg` is still `application/pdf`. Bytes no signature knows
    are `text/plain` when they are clean UTF-8 text, else `application/octet-stream`.
    """
    if not head:
        return UNKNOWN
    try:
        # Without the name: puremagic would otherwise "match" on the extension alone.
        matches = [m for m in puremagic.magic_string(head[:SNIFF_BYTES]) if m.mime_type]
    except (puremagic.PureError, ValueError):
        matches = []
    if matches:
        best = max(m.confidence for m in matches)
        top = [m for m in matches if m.confidence == best]
        extension = ""
        if filename and "." in filename:
            extension = "." + filename.rsplit(".", 1)[-1].lower()
        for match in top:
            if extension and match.extension == extension:
                return str(match.mime_type)
        return str(top[0].mime_type)
    try:
        text = head[:SNIFF_BYTES].decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sniffing boundary is still text.
        if error.start < len(head[:SNIFF_BYTES]) - 4:
            return UNKNOWN
        text = head[: error.start].decode("utf-8")
    if "\x00" in text:
        return UNKNOWN
    return "text/plain"
