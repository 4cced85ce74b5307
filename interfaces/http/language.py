"""The reader's language for a request: one negotiation for every page and message."""

from __future__ import annotations

from typing import Any

from litestar import Request

from application.texts.languages import negotiate

#: Set by the language switch of the staff pages; the client's pages pass `?lang=`.
LANGUAGE_COOKIE = "docintake_lang"


def reader_language(request: Request[Any, Any, Any]) -> str:
    """`?lang=`, then the switch's cookie, then Accept-Language, else German."""
    return negotiate(
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )
