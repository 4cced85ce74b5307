"""Forwarded headers count only from trusted proxies (none by default, not even loopback),
and the per-address limits of logins and link passwords are one limit for every API
process on the database."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from infrastructure.bootstrap import Services
from tests.support.api import signup
from tests.support.server import running_server
from tests.support.uploads import create_link, token_of

pytestmark = pytest.mark.postgres


def login(client: httpx.Client, email: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post(
        "/api/v1/auth/token",
        json={"email": email, "password": "falsches Passwort 🙈"},
        headers=headers,
    )
    return response.status_code


@pytest.mark.parametrize("backend", ["postgres"])
def test_without_trusted_proxies_a_forwarded_address_is_ignored_and_two_processes_count_once(
    make_services: Callable[..., Services],
) -> None:
    limits = {"login_failures_per_address": 4, "login_failures_per_account": 100}
    with running_server(make_services(**limits)) as first, httpx.Client(base_url=first) as a:
        with running_server(make_services(**limits)) as second, httpx.Client(base_url=second) as b:
            # Every attempt claims another address and another account: none of it counts,
            # the peer (loopback) does, in both processes together.
            assert login(a, "anna@müller.example", "203.0.113.1") == 401
            assert login(b, "bernd@example.de", "203.0.113.2") == 401
            assert login(a, "cem@example.de", "203.0.113.3") == 401
            assert login(b, "dora@example.de", "203.0.113.4") == 401
            assert login(a, "emil@example.de", "203.0.113.5") == 429
            assert login(b, "frieda@example.de") == 429
            stopping = time.monotonic()
        # The second process stood by for the first one's leases (read models, job
        # schedule): it stops at once all the same, not after a wait for a lease.
        assert time.monotonic() - stopping < 2


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_trusted_proxy_names_the_client(make_services: Callable[..., Services]) -> None:
    services = make_services(
        trusted_proxies="127.0.0.1",
        login_failures_per_address=2,
        login_failures_per_account=100,
    )
    with running_server(services) as url, httpx.Client(base_url=url) as client:
        assert login(client, "anna@example.de", "203.0.113.1") == 401
        assert login(client, "bernd@example.de", "203.0.113.1") == 401
        assert login(client, "cem@example.de", "203.0.113.1") == 429
        # Another client behind the same proxy has its own count.
        assert login(client, "cem@example.de", "203.0.113.2") == 401
        # A client cannot escape by putting an address of its choice in front: the
        # proxy appends the real one, and the rightmost untrusted address counts.
        assert login(client, "dora@example.de", "198.51.100.9, 203.0.113.1") == 429


@pytest.mark.parametrize("backend", ["postgres"])
def test_wrong_link_passwords_count_across_processes(
    make_services: Callable[..., Services],
) -> None:
    with (
        running_server(make_services()) as first,
        running_server(make_services()) as second,
        httpx.Client(base_url=first, timeout=30) as a,
        httpx.Client(base_url=second, timeout=30) as b,
    ):
        owner = signup(a, plan="team")
        customers = [owner.create_customer(name) for name in ("Jürgen Weiß", "Ayşe Yılmaz")]
        tokens = [
            token_of(create_link(owner, c["id"], title="Belege", password="Geheimnis 2024!"))
            for c in customers
        ]
        statuses = []
        for attempt in range(6):
            client = (a, b)[attempt % 2]
            token = tokens[attempt % 2]  # across links too: the limit is the address's
            response = client.post(f"/u/{token}/access", headers={"X-Link-Password": "falsch"})
            statuses.append(response.status_code)
        assert statuses == [401, 401, 401, 401, 401, 429]
        # The right password is refused too while the address waits.
        refused = b.post(f"/u/{tokens[0]}/access", headers={"X-Link-Password": "Geheimnis 2024!"})
        assert refused.status_code == 429
