"""`Idempotency-Key` on the JSON API: the same request again gets the first answer, another
request under the same key is refused (422), one still running is refused (409), keys are
per client (another organisation's same key is its own), and a retry after the server was
killed between commit and answer never records twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from infrastructure.bootstrap import Services
from infrastructure.settings import Settings
from tests.support.api import Account, signup
from tests.support.cli import environment
from tests.support.jobs import DocintakeProcess, wait_until, wait_until_healthy
from tests.support.server import free_port, running_server


def create(account: Account, key: str, **body: Any) -> httpx.Response:
    return account.post("/api/v1/customers", json=body, headers={"Idempotency-Key": key})


def names(account: Account) -> list[str]:
    items = account.get("/api/v1/customers", params={"limit": 100}).json()["items"]
    return sorted(item["name"] for item in items)


def test_the_same_request_again_gets_the_first_answer(account: Account) -> None:
    first = create(account, "anlegen-müller-1".encode().hex(), name="Jürgen Müller")
    assert first.status_code == 201, first.text
    again = create(account, "anlegen-müller-1".encode().hex(), name="Jürgen Müller")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["X-Read-Position"] == first.headers["X-Read-Position"]
    assert names(account) == ["Jürgen Müller"]
    # Another key is another request.
    other = create(account, "anlegen-müller-2".encode().hex(), name="Jürgen Müller")
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]


def test_the_same_key_with_another_body_is_refused(account: Account) -> None:
    assert create(account, "k-1", name="Ayşe Yılmaz").status_code == 201
    refused = create(account, "k-1", name="Ayşe Yılmaz 🌷")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "validation_failed"
    assert "Idempotency-Key" in refused.json()["error"]["fields"]
    # Another path under the same key is another request too.
    customer_id = create(account, "k-2", name="Zoë").json()["id"]
    moved = account.patch(
        f"/api/v1/customers/{customer_id}", json={"name": "Zoë"}, headers={"Idempotency-Key": "k-1"}
    )
    assert moved.status_code == 422
    assert names(account) == ["Ayşe Yılmaz", "Zoë"]


def test_keys_are_per_client(account: Account, other_account: Account) -> None:
    mine = create(account, "gemeinsam", name="Straße 1")
    theirs = create(other_account, "gemeinsam", name="Straße 1")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert "Idempotent-Replayed" not in theirs.headers
    assert names(account) == names(other_account) == ["Straße 1"]


@pytest.mark.parametrize(
    "key", ["", " vorne", "hinten ", "tab\tinside", "ü-umlaut", "x" * 256, "zeile\nzwei"]
)
def test_malformed_keys_are_refused(account: Account, key: str) -> None:
    try:
        refused = create(account, key, name="Anna")
    except (httpx.LocalProtocolError, UnicodeEncodeError):
        return  # the client library itself refuses to send it
    assert refused.status_code == 422, key
    assert "Idempotency-Key" in refused.json()["error"]["fields"]
    assert names(account) == []


def test_refusals_are_answered_again_and_safe_requests_ignore_keys(account: Account) -> None:
    bad = create(account, "leer", name="")
    assert bad.status_code == 422
    again = create(account, "leer", name="")
    assert again.json() == bad.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = account.get("/api/v1/customers", headers={"Idempotency-Key": "leer"})
    assert listed.status_code == 200


def test_a_key_in_flight_is_refused_with_409(make_services: Callable[..., Services]) -> None:
    # No projection host: a change waits (here 2 s) for the customer list before answering.
    services = make_services(run_projections=False, read_wait_seconds=2.0)
    with running_server(services) as url, httpx.Client(base_url=url, timeout=30) as client:
        owner = signup(client, plan="team")
        customer_id = create(owner, "neu", name="Kemal Öztürk").json()["id"]
        before = services.app.head()
        answers: list[httpx.Response] = []

        def change() -> None:
            answers.append(
                owner.patch(
                    f"/api/v1/customers/{customer_id}",
                    json={"company": "Öztürk GmbH"},
                    headers={"Idempotency-Key": "ändern".encode().hex()},
                )
            )

        first = threading.Thread(target=change)
        first.start()
        # The first request has committed its change and now waits for the read models.
        wait_until(lambda: services.app.head() > before, what="the first change committed")
        assert not answers
        second = owner.patch(
            f"/api/v1/customers/{customer_id}",
            json={"company": "Öztürk GmbH"},
            headers={"Idempotency-Key": "ändern".encode().hex()},
        )
        first.join()
        assert second.status_code == 409, second.text
        assert second.json()["error"]["code"] == "idempotency_key_in_flight"
        assert second.headers["Retry-After"] == "1"
        assert answers[0].status_code == 200


def events_recorded(database_url: str) -> int:
    with psycopg.connect(database_url) as connection:
        row = connection.execute("SELECT count(*) FROM docintake_events").fetchone()
        assert row is not None
        return int(row[0])


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_retry_after_the_server_was_killed_between_commit_and_answer_records_once(
    settings: Settings, tmp_path: Path
) -> None:
    assert settings.database_url is not None
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def serve(name: str, **overrides: object) -> DocintakeProcess:
        process = DocintakeProcess(
            environment(settings, port=port, **overrides), tmp_path / f"{name}.log", "serve"
        )

        def alive() -> None:
            assert process.process.poll() is None, process.log

        wait_until_healthy(url, alive)
        return process

    # The first server runs no projection host: a change is committed, then waits up to
    # 30 s for the customer list before it answers — the window to kill it in.
    first = serve("first", run_projections=False, read_wait_seconds=30.0)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            owner = signup(client, plan="team")
            customer_id = create(owner, "anlegen", name="Renée Ångström").json()["id"]
            before = events_recorded(settings.database_url)
            change: dict[str, Any] = {
                "path": f"/api/v1/customers/{customer_id}",
                "json": {"name": "Renée Ångström-Weiß"},
                "headers": {"Idempotency-Key": "umbenennen-2024"},
            }
            lost = threading.Thread(target=lambda: _swallow(lambda: owner.patch(**change)))
            lost.start()
            wait_until(
                lambda: events_recorded(settings.database_url or "") > before,
                what="the change committed",
            )
            first.kill()  # between commit and answer
            lost.join(timeout=30)
    finally:
        first.close()

    # The retry's process presumes the dead one's key abandoned after 1 s (default 10 s).
    second = serve("second", idempotency_takeover_seconds=1.0)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            owner = Account(owner.organization_id, owner.user_id, owner.token, owner.email, client)
            started = time.monotonic()
            while True:
                retry = owner.patch(**change)
                if retry.json().get("error", {}).get("code") != "idempotency_key_in_flight":
                    break
                assert time.monotonic() - started < 30, "the dead server's key was never taken over"
                time.sleep(0.1)
            assert retry.status_code == 409, retry.text
            assert retry.json()["error"]["code"] == "already_recorded"
            history = owner.get(f"/api/v1/customers/{customer_id}/history").json()
            changes = [e for e in history["events"] if e["type"] == "CustomerDetailsChanged"]
            assert len(changes) == 1, changes
            detail = owner.get(f"/api/v1/customers/{customer_id}").json()
            assert detail["name"] == "Renée Ångström-Weiß"
            # Asked again: still recorded once.
            assert owner.patch(**change).json()["error"]["code"] == "already_recorded"
            assert events_recorded(settings.database_url) == before + 2  # change + claim
    finally:
        second.close()


def _swallow(call: Callable[[], object]) -> None:
    with suppress(httpx.HTTPError):  # the server died under it: the answer is lost
        call()


def test_without_a_token_a_key_protects_nothing_and_authentication_comes_first(
    http: httpx.Client,
) -> None:
    for name in ("Anna", "Bernd"):
        refused = http.post(
            "/api/v1/customers", json={"name": name}, headers={"Idempotency-Key": "ohne-token"}
        )
        assert refused.status_code == 401
        assert "Idempotent-Replayed" not in refused.headers
