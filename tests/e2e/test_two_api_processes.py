"""Two API processes on one PostgreSQL: a token revoked, a member removed, a role changed or
a session ended through one process is refused (or changed) by the other on its very next
request, although each process keeps who a token speaks for between requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from infrastructure.bootstrap import Services
from infrastructure.settings import Settings
from tests.support.api import PASSWORD, Account, signup
from tests.support.cli import environment
from tests.support.jobs import DocintakeProcess, wait_until_healthy
from tests.support.server import free_port, running_server
from tests.support.team import add_member

pytestmark = pytest.mark.postgres


@pytest.fixture
def second_process(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """`docintake serve` in a process of its own, on the same database."""
    port = free_port()
    process = DocintakeProcess(
        environment(settings, port=port, data_dir=tmp_path / "second"),
        tmp_path / "second.log",
        "serve",
    )
    url = f"http://127.0.0.1:{port}"

    def alive() -> None:
        assert process.process.poll() is None, process.log

    try:
        wait_until_healthy(url, alive)
        yield url
    finally:
        process.close()


def on(url: str, account: Account) -> Account:
    """The same credentials, sent to another process."""
    return Account(
        account.organization_id,
        account.user_id,
        account.token,
        account.email,
        httpx.Client(base_url=url, timeout=30),
    )


@pytest.mark.parametrize("backend", ["postgres"])
def test_changes_take_effect_with_the_next_request_on_the_other_process(
    make_services: Callable[..., Services], settings: Settings, second_process: str
) -> None:
    with running_server(make_services()) as first, httpx.Client(base_url=first) as client:
        owner = signup(client, plan="team")
        issued = owner.post("/api/v1/tokens", json={"name": "Integration"}).json()
        integration = Account(
            owner.organization_id, owner.user_id, issued["token"], owner.email, client
        )
        member = add_member(owner, settings.data_dir, "admin")
        there = on(second_process, integration)
        member_there = on(second_process, member)
        # Both known (and kept) by the second process.
        for _ in range(3):
            assert there.get("/api/v1/customers").status_code == 200
            assert member_there.get("/api/v1/customers").status_code == 200
        assert member_there.post("/api/v1/customers", json={"name": "Anna"}).status_code == 201

        # A role changed here: the second process refuses what the new role may not do.
        changed = owner.patch(f"/api/v1/members/{member.user_id}", json={"role": "viewer"})
        assert changed.status_code == 200, changed.text
        assert member_there.post("/api/v1/customers", json={"name": "Berta"}).status_code == 403
        assert member_there.get("/api/v1/customers").status_code == 200

        # A token revoked here is refused there at once.
        assert owner.delete(f"/api/v1/tokens/{issued['id']}").status_code == 204
        assert there.get("/api/v1/customers").status_code == 401

        # A member removed here is refused there at once.
        assert owner.delete(f"/api/v1/members/{member.user_id}").status_code == 204
        assert member_there.get("/api/v1/customers").status_code == 401

        # A staff session ended here is ended there.
        with httpx.Client(base_url=second_process) as browser:
            signed_in = browser.post(
                "/api/v1/sessions", json={"email": owner.email, "password": PASSWORD}
            )
            assert signed_in.status_code == 201, signed_in.text
            assert browser.get("/customers").status_code == 200
            with httpx.Client(base_url=first, cookies=browser.cookies) as same_browser_here:
                ended = same_browser_here.delete(
                    "/api/v1/sessions/current",
                    headers={"X-CSRF-Token": signed_in.json()["csrf_token"]},
                )
            assert ended.status_code == 204, ended.text
            assert browser.get("/customers", follow_redirects=False).status_code in (302, 303)
