"""A request id per request: the client's `X-Request-ID` when it is a plain token (a proxy's
id carries through), else a new one; in every log line of the request (and of the threads
it hands work to) and in the answer's `X-Request-ID`."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from application.request_context import current_request_id

HEADER = b"x-request-id"
#: What is taken from a client: letters, digits, '-', '_', '.', at most 64 (nothing that could
#: forge a log line or carry personal data at length).
ACCEPTED = re.compile(rb"[A-Za-z0-9._-]{8,64}")


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((bytes(v) for k, v in scope["headers"] if k == HEADER), b"")
        request_id = given.decode() if ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        token = current_request_id.set(request_id)

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != HEADER]
                message["headers"] = [*headers, (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            current_request_id.reset(token)


def request_id_middleware() -> Any:
    """The middleware factory Litestar's `middleware=[...]` takes."""

    def factory(app: ASGIApp) -> ASGIApp:
        return RequestIds(app)

    return factory
