"""Request bodies bounded in time and size.

- `BodyIdleTimeout`: ASGI middleware; a body that sends nothing for `idle_seconds` ends
  with `408 request_timeout` raised inside the handler (so whatever the handler staged is
  removed by its own clean-up) and the connection is closed.
- `capped`: a body stream that stops with `413 request_too_large` past a route's limit,
  checked against `Content-Length` before the first byte is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

CLOSE = {"Connection": "close"}


class BodyIdle(HTTPException):
    status_code = 408


class BodyTooLarge(HTTPException):
    status_code = 413


class BodyIdleTimeout:
    """Wraps `receive`: while the body is incomplete each wait is bounded."""

    def __init__(self, app: ASGIApp, idle_seconds: float) -> None:
        self.app = app
        self.idle_seconds = idle_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        complete = False
        idle = self.idle_seconds

        async def bounded_receive() -> ReceiveMessage:
            nonlocal complete
            if complete:
                # The body is in: a wait now is for the disconnect, unbounded by design.
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), idle)
            except TimeoutError:
                raise BodyIdle(
                    detail=f"The request body sent nothing for {idle:g} seconds.",
                    headers=CLOSE,
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        await self.app(scope, bounded_receive, send)


def body_idle_middleware(idle_seconds: float) -> Any:
    """The middleware factory Litestar's `middleware=[...]` takes."""

    def factory(app: ASGIApp) -> ASGIApp:
        return BodyIdleTimeout(app, idle_seconds)

    return factory


#: Room for a multipart body's boundaries, part headers and small fields beside the files.
MULTIPART_MARGIN = 256 * 1024


#: A link without a file limit still bounds one request's body: this many files' worth.
FILES_PER_REQUEST_WITHOUT_LIMIT = 100


def multipart_body_limit(max_file_size: int, max_files: int | None) -> int:
    """What a multipart upload of at most `max_files` files of `max_file_size` may send."""
    files = FILES_PER_REQUEST_WITHOUT_LIMIT if max_files is None else max_files
    return max_file_size * files + MULTIPART_MARGIN * (1 + files)


async def capped(
    body: AsyncIterator[bytes], limit: int, content_length: str | None
) -> AsyncIterator[bytes]:
    """`body`, refused with 413 once it passes `limit` bytes (or announces more)."""
    message = f"The request body is larger than this route accepts ({limit} bytes)."
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise BodyTooLarge(detail=message, headers=CLOSE)
    received = 0
    async for chunk in body:
        received += len(chunk)
        if received > limit:
            raise BodyTooLarge(detail=message, headers=CLOSE)
        yield chunk
