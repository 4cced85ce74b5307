"""The browsable API documentation at `/schema`: Swagger UI from our own static files.

Litestar's own docs pages load their scripts and fonts from a CDN, on the origin that
carries the staff's session cookie. Here every byte comes from us: the Swagger UI
bundle is vendored under `interfaces/static/swagger-ui` (npm `swagger-ui-dist`, Apache
2.0, licence beside it), started by our `api-docs.js` (no inline script), under the
self-only CSP that `response_headers` gives every HTML answer without one.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

SWAGGER_UI_VERSION = "5.35.0"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css?v={version}">
<link rel="stylesheet" href="/static/api-docs.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/static/swagger-ui/swagger-ui-bundle.js?v={version}"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


class SwaggerUIFromOwnFiles(OpenAPIRenderPlugin):
    """Swagger UI at `/schema` (and `/schema/swagger`), nothing from another origin."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/swagger"], favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _PAGE.format(
            title=openapi_schema["info"]["title"],
            version=SWAGGER_UI_VERSION,
            openapi_url=self.get_openapi_json_route(request),
        ).encode()
