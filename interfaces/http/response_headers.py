"""Headers every answer carries, set in one place as the response starts.

- `X-Frame-Options: DENY` beside the pages' `frame-ancestors 'none'` (browsers that
  predate CSP level 2 only know the header), and `X-Content-Type-Options: nosniff`.
- JSON answers hold customer data: `Cache-Control: no-store` and a CSP that lets
  nothing run or frame them, should a browser ever render one. HTML without a policy
  of its own (the API docs) gets one that allows our origin only.
- `OPTIONS` lists every method of the path: Litestar's own answer names only the
  methods of the first handler registered for it.
"""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

_PARAMETER_TYPE = re.compile(r"\{(\w+):\w+\}")
JSON_ANSWER_POLICY = "default-src 'none'; frame-ancestors 'none'"
# For HTML that brings no policy of its own (the API docs): our origin only.
HTML_DEFAULT_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
    " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def allowed_methods(app: Litestar) -> dict[str, str]:
    """The `Allow` value of each route path: every method it has, OPTIONS included."""
    # Keyed as the router names the matched path: `{customer_id}`, without its type.
    return {
        _PARAMETER_TYPE.sub(r"{\1}", route.path): ", ".join(sorted(route.methods))
        for route in app.routes
        if isinstance(route, HTTPRoute)
    }


async def response_headers(message: Message, scope: Scope) -> None:
    """The app's `before_send` hook: sets the headers above as each answer starts."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/json"):
        headers.setdefault("Cache-Control", "no-store")
        headers.setdefault("Content-Security-Policy", JSON_ANSWER_POLICY)
    elif content_type.startswith("text/html"):
        headers.setdefault("Content-Security-Policy", HTML_DEFAULT_POLICY)
    if scope.get("method") == "OPTIONS" and "allow" in headers:
        # Rare enough to look up each time rather than keep a copy of the route table.
        template = scope.get("path_template")
        allow = allowed_methods(scope["app"])
        if isinstance(template, str) and template in allow:
            headers["Allow"] = allow[template]
