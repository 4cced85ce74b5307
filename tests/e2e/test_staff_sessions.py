"""Staff sessions for the web pages: cookie flags, CSRF, sign-out, limits on failed logins."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from litestar import Litestar, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import URLEncodedBody
from litestar.testing import TestClient

from domain.errors import DomainError
from infrastructure.bootstrap import Services
from interfaces.http.errors import domain_error_handler
from interfaces.http.sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    StaffSessionContext,
    provide_staff_session,
)
from tests.support.api import PASSWORD, Account, signup
from tests.support.server import free_port, running_server


def session_cookie_header(response: httpx.Response) -> str:
    [header] = [h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)]
    return header


def test_signing_in_sets_a_locked_down_cookie(account: Account, base_url: str) -> None:
    with httpx.Client(base_url=base_url) as browser:
        response = browser.post(
            "/api/v1/sessions", json={"email": account.email, "password": PASSWORD}
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["user_id"], body["role"]) == (account.user_id, "owner")
        cookie = session_cookie_header(response).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
        # Served over plain http on loopback with an http public URL: not Secure.
        assert "secure" not in cookie.replace("samesite", "")

        current = browser.get("/api/v1/sessions/current")
        assert current.status_code == 200
        assert current.json()["csrf_token"] == body["csrf_token"]
        # The session is for the web pages; the JSON API still wants a bearer token.
        assert browser.get("/api/v1/customers").status_code == 401


def test_the_cookie_is_secure_behind_an_https_public_url(
    make_services: Callable[..., Services],
) -> None:
    port = free_port()
    services = make_services(port=port, public_url="https://docs.example.com")
    with running_server(services) as url, httpx.Client(base_url=url) as browser:
        owner = browser.post(
            "/api/v1/signup",
            json={"organization_name": "K", "email": "tls@example.com", "password": PASSWORD},
        )
        assert owner.status_code == 201
        response = browser.post(
            "/api/v1/sessions", json={"email": "tls@example.com", "password": PASSWORD}
        )
        assert response.status_code == 201
        assert "; secure" in session_cookie_header(response).lower()


def test_signing_out_needs_the_csrf_token_and_ends_the_session(
    account: Account, base_url: str
) -> None:
    with httpx.Client(base_url=base_url) as browser:
        login = browser.post(
            "/api/v1/sessions", json={"email": account.email, "password": PASSWORD}
        )
        csrf = login.json()["csrf_token"]
        session = browser.cookies[SESSION_COOKIE]

        for headers in ({}, {CSRF_HEADER: "falsch"}):
            refused = browser.delete("/api/v1/sessions/current", headers=headers)
            assert refused.status_code == 403
            assert refused.json()["error"]["code"] == "csrf_failed"
        assert browser.get("/api/v1/sessions/current").status_code == 200

        # Another session's CSRF token does not fit this one.
        with httpx.Client(base_url=base_url) as other:
            other_csrf = other.post(
                "/api/v1/sessions", json={"email": account.email, "password": PASSWORD}
            ).json()["csrf_token"]
        assert other_csrf != csrf
        wrong = browser.delete("/api/v1/sessions/current", headers={CSRF_HEADER: other_csrf})
        assert wrong.status_code == 403

        out = browser.delete("/api/v1/sessions/current", headers={CSRF_HEADER: csrf})
        assert out.status_code == 204
        assert "max-age=0" in session_cookie_header(out).lower()

    with httpx.Client(base_url=base_url, cookies={SESSION_COOKIE: session}) as replay:
        assert replay.get("/api/v1/sessions/current").status_code == 401


def test_wrong_credentials_start_no_session(account: Account, base_url: str) -> None:
    with httpx.Client(base_url=base_url) as browser:
        response = browser.post(
            "/api/v1/sessions", json={"email": account.email, "password": "falsches Passwort"}
        )
        assert response.status_code == 401
        assert SESSION_COOKIE not in browser.cookies
        assert browser.get("/api/v1/sessions/current").status_code == 401


@post("/form", sync_to_thread=False)
def form_post(
    staff_session: NamedDependency[StaffSessionContext],
    data: URLEncodedBody[dict[str, Any]],
) -> dict[str, Any]:
    return {"user_id": str(staff_session.principal.user_id), "note": data.get("note")}


@contextmanager
def form_app(services: Services) -> Iterator[TestClient[Litestar]]:
    """A page with an HTML form, the way the web pages will use the session dependency."""
    app = Litestar(
        route_handlers=[form_post],
        dependencies={"staff_session": Provide(provide_staff_session)},
        exception_handlers={DomainError: domain_error_handler},
        state=State({"services": services}),
    )
    with TestClient(app) as client:
        yield client


def test_html_form_posts_carry_the_csrf_token_as_a_field(
    account: Account, services: Services
) -> None:
    session_token, csrf = services.app.sessions.start(account.email, PASSWORD, "127.0.0.1")
    with form_app(services) as client:
        client.cookies[SESSION_COOKIE] = session_token
        ok = client.post("/form", data={"csrf_token": csrf, "note": "hallo"})
        assert ok.status_code == 201, ok.text
        assert ok.json() == {"user_id": account.user_id, "note": "hallo"}
        forged = client.post("/form", data={"csrf_token": "x" + csrf[1:], "note": "böse"})
        assert forged.status_code == 403
        assert client.post("/form", data={"note": "ohne"}).status_code == 403
        client.cookies.clear()
        assert client.post("/form", data={"csrf_token": csrf}).status_code == 401


#: Short, so the waits for the window to pass are short; long enough for a loaded machine
#: to send the failures of a test within it (a few requests of milliseconds each).
WINDOW = 2.0


@pytest.fixture
def limited(make_services: Callable[..., Services]) -> Iterator[str]:
    """A server allowing 2 failed logins per account and 3 per address within WINDOW."""
    services = make_services(
        port=free_port(),
        login_failures_per_account=2,
        login_failures_per_address=3,
        login_window_seconds=WINDOW,
    )
    with running_server(services) as url:
        yield url


def wait_out(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= WINDOW
    time.sleep(retry_after)


# The limiter lives in the process and never touches the event store: SQLite suffices, and
# the waits for the window to pass are not spent twice.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@SQLITE_ONLY
@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/sessions"])
def test_failed_logins_are_limited_per_account_then_recover(limited: str, path: str) -> None:
    with httpx.Client(base_url=limited) as client:
        owner = signup(client)
        wrong = {"email": owner.email, "password": "falsches Passwort"}
        right = {"email": owner.email, "password": PASSWORD}
        assert [client.post(path, json=wrong).status_code for _ in range(2)] == [401] * 2
        # Past the limit even the right password is refused, without being checked.
        assert client.post(path, json=wrong).status_code == 429
        wait_out(client.post(path, json=right))
        assert client.post(path, json=right).status_code in (200, 201)


@SQLITE_ONLY
def test_failed_logins_are_limited_per_address_across_accounts(limited: str) -> None:
    with httpx.Client(base_url=limited) as client:
        owner = signup(client)
        # Real accounts, so each failure is quick (unknown addresses cost a full argon2 run).
        for other in [signup(client) for _ in range(3)]:
            guess = {"email": other.email, "password": "falsches Passwort"}
            assert client.post("/api/v1/auth/token", json=guess).status_code == 401
        right = {"email": owner.email, "password": PASSWORD}
        wait_out(client.post("/api/v1/auth/token", json=right))
        assert client.post("/api/v1/auth/token", json=right).status_code == 200
