"""`Idempotency-Key` on every unsafe request of the JSON API (as Stripe and the IETF draft
`draft-ietf-httpapi-idempotency-key-header` describe).

- The same key with the same request (method, path, query, body) answers the first answer
  again (status, headers, body; marked `Idempotent-Replayed: true`), for 24 hours, per
  client: the API token or staff session that sent it (so per organisation and token).
  A request with neither (signup, login) is not protected by a key.
- The same key with another request: `422 validation_failed`, field `Idempotency-Key`.
- The same key while its first request still runs: `409 idempotency_key_in_flight`
  (`Retry-After: 1`).
- A first request whose answer was lost with its process (killed between commit and
  answer) is run again once its key is taken over; the request claim recorded with the
  command (`application.request_claims`) refuses to record it twice:
  `409 already_recorded`.

Answers of 5xx, 409 and 429 are not kept (a retry should run again). Multipart uploads and
bodies over the JSON limit pass through without a key's protection (the upload page has
its own: a file is recorded once per request).
"""

from __future__ import annotations

import hashlib
import re
from http.cookies import SimpleCookie
from typing import Any

import anyio
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from application.request_claims import KeptAnswers, StoredAnswer, claiming
from domain.errors import DomainError, InvalidValue
from interfaces.http.sessions import SESSION_COOKIE

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
HEADER = b"idempotency-key"
#: Printable ASCII without blanks at the ends, at most 255 characters (Stripe's limit).
KEY_PATTERN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?")
#: Answers of these statuses are not kept: a retry should run again.
NOT_KEPT = {409, 429}
REPLAYED = (b"idempotent-replayed", b"true")


class IdempotencyKeyInFlight(DomainError):
    code = "idempotency_key_in_flight"
    headers = {"Retry-After": "1"}


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _credential(scope: Scope) -> bytes:
    """What the client authenticates with (token or session), or nothing (signup, login)."""
    authorization = _header(scope, b"authorization")
    if authorization:
        return b"token:" + authorization
    cookies = _header(scope, b"cookie")
    if cookies:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookies.decode("latin-1"))
        except Exception:
            return b""
        if SESSION_COOKIE in jar:
            return b"session:" + jar[SESSION_COOKIE].value.encode()
    return b""


def _sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyKeys:
    """ASGI middleware around the routes (inside Litestar, so its refusals take the
    error shape of every other refusal)."""

    def __init__(self, app: ASGIApp, store: KeptAnswers, body_limit: int) -> None:
        self.app = app
        self.store = store
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = str(scope.get("method", ""))
        if scope["type"] != "http" or method not in UNSAFE or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        raw_key = _header(scope, HEADER)
        content_type = _header(scope, b"content-type") or b""
        if raw_key is None or content_type.startswith(b"multipart/"):
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not KEY_PATTERN.fullmatch(key):
            raise InvalidValue.single(
                "Idempotency-Key", "must be 1 to 255 printable ASCII characters"
            )
        chunks: list[bytes] = []
        size = 0
        complete = False
        while not complete and size <= self.body_limit:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # gone: let the app see it
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            complete = not message.get("more_body", False)
        replay = _Replay(chunks, complete, receive)
        if not complete:
            await self.app(scope, replay, send)  # too large: the route refuses it (413)
            return
        body = b"".join(chunks)
        credential = _credential(scope)
        if not credential:
            # Keys are per client; without a token or session there is none (and the
            # route refuses the request, or it is signup or login, where a retry is
            # refused as a duplicate or just issues another token).
            await self.app(scope, replay, send)
            return
        scope_hash = _sha(b"scope", credential)
        key_hash = _sha(b"key", raw_key)
        request_hash = _sha(
            b"request",
            method.encode(),
            scope["path"].encode(),
            scope.get("query_string", b""),
            body,
        )
        secret = hashlib.sha256(b"\x00".join([credential, raw_key, method.encode(), body])).digest()
        began = await anyio.to_thread.run_sync(
            self.store.begin, scope_hash, key_hash, request_hash, secret
        )
        if began.outcome == "mismatch":
            raise InvalidValue.single(
                "Idempotency-Key", "was used before with another request: use a new key"
            )
        if began.outcome == "in_flight":
            raise IdempotencyKeyInFlight(
                "A request with this Idempotency-Key is still being processed; try again."
            )
        if began.outcome == "replay":
            assert began.answer is not None
            await _send_answer(send, began.answer, replayed=True)
            return
        answer = await self._run(scope, replay, scope_hash, key_hash, request_hash)
        if answer is None or answer.status >= 500 or answer.status in NOT_KEPT:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.store.abandon, scope_hash, key_hash)
        else:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(
                    self.store.answered, scope_hash, key_hash, secret, answer
                )
        if answer is not None:
            await _send_answer(send, answer, replayed=False)

    async def _run(
        self, scope: Scope, receive: Receive, scope_hash: str, key_hash: str, request_hash: str
    ) -> StoredAnswer | None:
        """Run the request with its claim; its answer, kept back until it is stored."""
        status: int | None = None
        headers: list[tuple[bytes, bytes]] = []
        body = bytearray()

        async def keep(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        try:
            with claiming(scope_hash, key_hash, request_hash):
                await self.app(scope, receive, keep)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.store.abandon, scope_hash, key_hash)
            raise
        if status is None:
            return None
        return StoredAnswer(status=status, headers=headers, body=bytes(body))


class _Replay:
    """`receive` that hands the app the body read already, then the client's own."""

    def __init__(self, chunks: list[bytes], complete: bool, receive: Receive) -> None:
        self._messages: list[ReceiveMessage] = [
            {"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks
        ]
        if complete:
            self._messages = [
                {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            ]
        self._receive = receive

    async def __call__(self) -> ReceiveMessage:
        if self._messages:
            return self._messages.pop(0)
        return await self._receive()


async def _send_answer(send: Send, answer: StoredAnswer, *, replayed: bool) -> None:
    headers: list[Any] = list(answer.headers)
    if replayed:
        headers.append(REPLAYED)
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


def idempotency_middleware(store: KeptAnswers, body_limit: int) -> Any:
    """The middleware factory Litestar's `middleware=[...]` takes."""

    def factory(app: ASGIApp) -> ASGIApp:
        return IdempotencyKeys(app, store, body_limit)

    return factory
