"""Logs are JSON lines with request ids and nothing personal (the log of a whole run through
`docintake serve` is grepped for every token, password, name, address and file name it
saw); `/metrics` is closed without its token and reports latency per route template,
projection lag, jobs and uploads — never a path with a token in it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from infrastructure.bootstrap import Services
from infrastructure.settings import Settings
from tests.support.api import Account
from tests.support.cli import environment
from tests.support.jobs import DocintakeProcess, wait_until, wait_until_healthy
from tests.support.server import free_port, running_server
from tests.support.uploads import create_link, pdf_bytes, token_of

SECRETS = {
    "organisation": "Kanzlei Müller & Söhne",
    "owner password": "Owner-Passwort für 2024!",
    "customer name": "Jürgen Weiß-Ångström",
    "customer e-mail": "juergen.weiss@example.de",
    "company": "Straßenbau Ölmühle GmbH",
    "link title": "Steuerunterlagen Vertraulich",
    "link password": "Linkpasswort Geheim 7",
    "wrong password": "falsches Passwort 123",
    "file name": "Kündigung – 2024.pdf",
    "uploader": "Zoë Þórsdóttir",
    "note": "Scheidungsunterlagen beachten",
}


def test_a_run_logs_json_lines_with_request_ids_and_nothing_personal(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = DocintakeProcess(
        environment(settings, port=port, log_level="INFO", notification_digest_seconds=0),
        tmp_path / "server.log",
        "serve",
    )
    seen: list[str] = list(SECRETS.values())
    try:

        def alive() -> None:
            assert server.process.poll() is None, server.log

        wait_until_healthy(url, alive, timeout=60)
        with httpx.Client(base_url=url, timeout=60) as client:
            owner_email = f"inhaberin-{time.time_ns()}@example.de"
            signed_up = client.post(
                "/api/v1/signup",
                json={
                    "organization_name": SECRETS["organisation"],
                    "email": owner_email,
                    "password": SECRETS["owner password"],
                    "plan": "team",
                },
            )
            assert signed_up.status_code == 201, signed_up.text
            body = signed_up.json()
            owner = Account(
                body["organization_id"], body["user_id"], body["token"], owner_email, client
            )
            seen += [owner_email, owner.token]
            customer = owner.create_customer(
                SECRETS["customer name"],
                email=SECRETS["customer e-mail"],
                company=SECRETS["company"],
            )
            assert owner.post(
                f"/api/v1/customers/{customer['id']}/notes", json={"text": SECRETS["note"]}
            ).status_code == 201  # fmt: skip
            link = create_link(
                owner,
                customer["id"],
                title=SECRETS["link title"],
                password=SECRETS["link password"],
            )
            seen.append(token_of(link))
            sent = owner.post(
                f"/api/v1/links/{link['id']}/send", json={"to": SECRETS["customer e-mail"]}
            )
            assert sent.status_code == 202, sent.text
            refused = client.post(
                f"/u/{token_of(link)}/files",
                files=[("file", (SECRETS["file name"], pdf_bytes(), "application/pdf"))],
                headers={"X-Link-Password": SECRETS["wrong password"]},
            )
            assert refused.status_code == 401
            uploaded = client.post(
                f"/u/{token_of(link)}/files",
                files=[("file", (SECRETS["file name"], pdf_bytes(), "application/pdf"))],
                data={"uploader_name": SECRETS["uploader"]},
                headers={
                    "X-Link-Password": SECRETS["link password"],
                    "X-Request-ID": "upload-0001",
                },
            )
            assert uploaded.status_code == 201, uploaded.text
            assert uploaded.headers["X-Request-ID"] == "upload-0001"
            assert len(client.get("/health").headers["X-Request-ID"]) == 32
            for _ in range(3):
                wrong = client.post(
                    "/api/v1/auth/token",
                    json={"email": owner_email, "password": SECRETS["wrong password"]},
                )
                assert wrong.status_code == 401
            # A forged request id is not taken over (it could forge a log line).
            forged = client.get("/health", headers={"X-Request-ID": 'x" INFO fake:'})
            assert forged.headers["X-Request-ID"] != 'x" INFO fake:'
            # The mail went out (a job ran and logged, if it logs).
            outbox = settings.data_dir / "outbox"
            wait_until(lambda: any(outbox.glob("*.eml")), timeout=60, what="the link mail")
        server.terminate()  # uvicorn exits by the signal it was sent, after shutting down
    finally:
        server.close()

    log = server.log
    lines = [line for line in log.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    for line in lines:
        entry = json.loads(line)  # every line is one JSON object
        assert {"time", "level", "logger", "message"} <= set(entry), line
        if entry["logger"].split(".")[0] in {"pika", "dramatiq", "httpx", "psycopg"}:
            assert entry["level"] in {"WARNING", "ERROR", "CRITICAL"}, line
    lowered = log.casefold()
    for secret in seen:
        for form in {secret, json.dumps(secret)[1:-1]}:
            assert form.casefold() not in lowered, f"{secret!r} is in the log"
    for part in ("Müller", "Weiß", "Kündigung", "Straßenbau", "juergen"):
        assert part.casefold() not in lowered, part


@pytest.fixture
def metered(make_services: Callable[..., Services]) -> Services:
    return make_services(metrics_token="messwerte-Geheimnis-42")


def test_metrics_are_closed_without_the_token_and_report_routes_lag_jobs_and_uploads(
    metered: Services, http: httpx.Client, services: Services
) -> None:
    with running_server(metered) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer falsch"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "unauthenticated"

        from tests.support.api import signup

        owner = signup(client, plan="team")
        customer = owner.create_customer("Ayşe Yılmaz")
        link = create_link(owner, customer["id"], title="Belege", password="Passwort 2024!")
        refused = client.post(
            f"/u/{token_of(link)}/files",
            files=[("file", ("Beleg.pdf", pdf_bytes(), "application/pdf"))],
        )
        assert refused.status_code == 401
        uploaded = client.post(
            f"/u/{token_of(link)}/files",
            files=[("file", ("Beleg.pdf", pdf_bytes(50_000), "application/pdf"))],
            headers={"X-Link-Password": "Passwort 2024!"},
        )
        assert uploaded.status_code == 201
        answer = client.get("/metrics", headers={"Authorization": "Bearer messwerte-Geheimnis-42"})
        assert answer.status_code == 200
        text = answer.text
        assert 'docintake_request_duration_seconds_bucket{app_name="docintake"' in text
        assert 'path="/api/v1/customers"' in text
        assert 'path="/u/{token}/files"' in text
        assert token_of(link) not in text
        assert customer["id"] not in text
        assert 'docintake_projection_lag_events{projection="customer_list"}' in text
        assert 'docintake_projection_lag_seconds{projection="jobs"}' in text
        assert 'docintake_jobs{kind="send_link",state="queued"}' in text
        assert "docintake_upload_bytes_total" in text
        assert 'docintake_upload_refusals_total{status="401"}' in text
    # Without the setting (the shared test server has none) there is no /metrics at all.
    assert services.settings.metrics_token is None
    assert http.get("/metrics").status_code == 404
