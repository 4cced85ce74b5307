"""The `Content-Disposition` of one multipart/form-data part: field name and file name.

Browsers send the file name as raw UTF-8 inside the quotes (the HTML standard), some
clients as RFC 5987 `filename*=UTF-8''...` (which RFC 7578 discourages but curl and
HTTP libraries still send). python_multipart's own parser re-encodes values as
Latin-1, which mangles `Müller.pdf` and fails on `–` or emoji, so we read the header
bytes ourselves.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes


@dataclass(frozen=True)
class PartDisposition:
    name: str
    # None: a plain form field; "" is a file part whose name was left empty.
    filename: str | None


def _text(raw: bytes) -> str:
    """UTF-8 as browsers send it; bytes that are not UTF-8 came from a Latin-1 client."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _segments(header: bytes) -> list[bytes]:
    """Split at each `;` outside a quoted string (the rule of `cgi.parse_header`)."""
    segments: list[bytes] = []
    rest = b";" + header
    while rest[:1] == b";":
        rest = rest[1:]
        end = rest.find(b";")
        while end > 0 and (rest.count(b'"', 0, end) - rest.count(b'\\"', 0, end)) % 2:
            end = rest.find(b";", end + 1)
        if end < 0:
            end = len(rest)
        segments.append(rest[:end].strip())
        rest = rest[end:]
    return segments


def _parameters(header: bytes) -> dict[str, bytes]:
    """`form-data; name="a"; filename="b"` -> {"name": b"a", "filename": b"b"}.

    Keys are case-insensitive; the first of a repeated key counts. A quoted value
    loses its quotes, and `\\"` and `\\\\` in it their backslash: browsers send other
    backslashes (and a quote as `%22`) raw, and hand-made bodies may hold a bare quote.
    """
    parameters: dict[str, bytes] = {}
    for segment in _segments(header)[1:]:
        key, equals, value = segment.partition(b"=")
        if not equals:
            continue
        value = value.strip()
        if len(value) >= 2 and value[:1] == b'"' and value[-1:] == b'"':
            value = value[1:-1].replace(b"\\\\", b"\\").replace(b'\\"', b'"')
        name = key.strip().decode("latin-1").lower()
        if name and name not in parameters:
            parameters[name] = value
    return parameters


def _extended(value: bytes) -> str | None:
    """RFC 5987 `UTF-8'lang'percent-encoded`; None when it is not that."""
    charset, quote, rest = value.partition(b"'")
    _language, quote2, encoded = rest.partition(b"'")
    if not quote or not quote2:
        return None
    try:
        raw = unquote_to_bytes(encoded.decode("ascii"))
    except UnicodeDecodeError:
        return None
    name = charset.decode("latin-1").strip().lower()
    if name == "utf-8":
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if name == "iso-8859-1":
        return raw.decode("latin-1")
    return None


def part_disposition(header: bytes) -> PartDisposition:
    """Field name and file name (NFC) of a part; `filename*` wins over `filename`."""
    parameters = _parameters(header)
    name = unicodedata.normalize("NFC", _text(parameters.get("name", b"")))
    filename: str | None = None
    if "filename*" in parameters:
        filename = _extended(parameters["filename*"])
    if filename is None and "filename" in parameters:
        filename = _text(parameters["filename"])
    if filename is None and "filename*" in parameters:
        filename = ""  # a file part all the same, under the fallback name
    if filename is not None:
        filename = unicodedata.normalize("NFC", filename)
    return PartDisposition(name=name, filename=filename)
