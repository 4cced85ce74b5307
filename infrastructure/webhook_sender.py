"""Sending a webhook request: resolve, check every address, connect to a checked one.

The name is resolved once; if any address it resolves to is refused (loopback,
private, link-local, ... see `domain.webhook_address`) nothing is sent, and the
connection is opened to the checked address itself, so a second lookup (DNS
rebinding) cannot lead elsewhere. TLS still checks the certificate against the
name. Redirects are answers (a failure), never followed; one deadline covers
connecting, sending and reading the answer. `DOCINTAKE_WEBHOOKS_ALLOW_PRIVATE`
lifts the address rule for tests and closed networks.

Tests replace `resolve` and `connect` (constructor arguments) to prove where a
request would go before any packet is sent.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from application.webhook_ports import WebhookRefused, WebhookRequest, WebhookUnreachable
from domain.webhook_address import IPAddress, literal_address, refused_address

#: The whole request, from connecting to the end of what is read of the answer.
TIMEOUT_SECONDS = 15.0
#: What is read of an answer's body (it is not kept; reading lets the connection close cleanly).
ANSWER_READ_LIMIT = 64 * 1024

Resolve = Callable[[str, int], list[str]]
Connect = Callable[[tuple[str, int], float], socket.socket]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def open_connection(address: tuple[str, int], timeout: float) -> socket.socket:
    return socket.create_connection(address, timeout=timeout)


class HttpWebhookSender:
    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = TIMEOUT_SECONDS,
        resolve: Resolve = resolve_host,
        connect: Connect = open_connection,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self.resolve = resolve
        self.connect = connect
        self.tls = tls or ssl.create_default_context()

    def _refusal(self, address: IPAddress) -> str | None:
        if self.allow_private:
            return None
        reason = refused_address(address)
        return f"{reason} address ({address})" if reason else None

    def check(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        literal = literal_address(host)
        if literal is not None:
            if (reason := self._refusal(literal)) is not None:
                raise WebhookRefused(reason)
            return
        # A name that does not resolve now is checked again at every send.
        with contextlib.suppress(WebhookUnreachable):
            self._addresses(url)

    def _addresses(self, url: str) -> tuple[str, int, IPAddress]:
        """Host, port and the checked address to connect to."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        literal = literal_address(host)
        if literal is not None:
            candidates = [literal]
        else:
            try:
                found = self.resolve(host, port)
            except (OSError, UnicodeError) as error:
                raise WebhookUnreachable(f"name not resolved ({error})") from None
            candidates = [a for a in (literal_address(text) for text in found) if a is not None]
            if not candidates:
                raise WebhookUnreachable("name not resolved")
        for address in candidates:
            if (reason := self._refusal(address)) is not None:
                raise WebhookRefused(reason)
        return host, port, candidates[0]

    def post(self, request: WebhookRequest) -> int:
        host, port, address = self._addresses(request.url)
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=self.tls
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        checked = (str(address), port)

        def connect_checked(
            _address: tuple[str, int], timeout: float | None = None, *_: object
        ) -> socket.socket:
            return self.connect(checked, self.timeout if timeout is None else timeout)

        # The connection is opened to the checked address; TLS still verifies `host`.
        connection._create_connection = connect_checked  # type: ignore[attr-defined]
        # The socket timeout bounds each step; this bounds them all together (a receiver
        # that trickles its answer a byte at a time is cut off at the deadline too).
        cut_off = threading.Event()
        deadline = threading.Timer(self.timeout, _cut_off, (connection, cut_off))
        deadline.daemon = True
        deadline.start()
        late = f"no answer within {self.timeout:g} s"
        try:
            connection.request("POST", target, body=request.body, headers=request.headers)
            answer = connection.getresponse()
            answer.read(ANSWER_READ_LIMIT)
        except (OSError, http.client.HTTPException, ssl.SSLError) as error:
            detail = type(error).__name__ + (f": {error}" if str(error) else "")
            raise WebhookUnreachable(late if cut_off.is_set() else detail) from None
        finally:
            deadline.cancel()
            connection.close()
        if cut_off.is_set():
            # What was read before the cut-off may look like a whole answer: it is not.
            raise WebhookUnreachable(late)
        return int(answer.status)


def _cut_off(connection: http.client.HTTPConnection, cut_off: threading.Event) -> None:
    """End a request at its deadline, whatever step it is in."""
    cut_off.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
