"""The client's pages have their own stylesheet: what upload.js builds must be styled there
(a removal button was a full-width accent button on the phone, beside the file it removes)."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "interfaces" / "static"


def test_the_classes_upload_js_shows_with_are_styled_for_the_client() -> None:
    script = (STATIC / "upload.js").read_text()
    styles = (STATIC / "public.css").read_text()
    for name in ("small", "secondary"):
        assert re.search(rf'element\("\w+", "[^"]*\b{name}\b', script), name
        assert re.search(rf"(^|[\s,])(\w+)?\.{name}\b[^{{]*\{{", styles, re.M), name
