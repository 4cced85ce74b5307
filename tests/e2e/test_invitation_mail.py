"""Invitations by e-mail through a real SMTP server on loopback: the mail, its link, once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest

from application.accounts import token_hash
from infrastructure.bootstrap import Services
from tests.support.api import PASSWORD, signup
from tests.support.server import free_port, running_server
from tests.support.smtp_loopback import LoopbackSmtpServer, serve_smtp
from tests.support.team import invitation_token, text_of


@pytest.fixture
def smtp_server() -> Iterator[LoopbackSmtpServer]:
    with serve_smtp(LoopbackSmtpServer(port=0)) as server:
        yield server


def test_the_invitation_mail_arrives_and_its_link_works_once(
    make_services: Callable[..., Services], smtp_server: LoopbackSmtpServer
) -> None:
    services = make_services(port=free_port(), smtp_url=smtp_server.url)
    with running_server(services) as url, httpx.Client(base_url=url) as http:
        owner = signup(http, plan="team", name="Steuerbüro Köhler & Partner")
        response = owner.post(
            "/api/v1/invitations", json={"email": "kollegin@example.com", "role": "admin"}
        )
        assert response.status_code == 201, response.text

        [mail] = smtp_server.messages
        assert smtp_server.envelopes[0].rcpt_tos == ["kollegin@example.com"]
        assert mail["To"] == "kollegin@example.com"
        assert mail["Subject"] == "Einladung in das Team von Steuerbüro Köhler & Partner"
        assert mail["Content-Language"] == "de"
        assert mail.get_content_type() == "multipart/alternative"
        html_part = mail.get_body(preferencelist=("html",))
        assert html_part is not None
        html = str(html_part.get_content())  # type: ignore[attr-defined]
        text = text_of(mail)
        assert "Steuerbüro Köhler &amp; Partner" in html
        assert "Steuerbüro Köhler & Partner" in text
        assert "(Rolle: Administrator)" in text and owner.email in text

        token = invitation_token(mail)
        link = f"{services.settings.base_url}/invitations/{token}"
        assert link in text and link in html
        # At least 128 bits: 32 random bytes in URL-safe base64 after the prefix.
        assert re.fullmatch(r"inv_[A-Za-z0-9_-]{43}", token)

        accept = f"/api/v1/invitations/{token}/accept"
        joined = http.post(accept, json={"name": "Kim Kollegin", "password": PASSWORD})
        assert joined.status_code == 201, joined.text
        bearer = {"Authorization": f"Bearer {joined.json()['token']}"}
        assert http.get("/api/v1/members", headers=bearer).status_code == 200
        again = http.post(accept, json={"name": "Kim Kollegin", "password": PASSWORD})
        assert again.status_code == 410

        # Only a hash of the token was stored.
        stored = services.app.recorder.select_notifications(start=1, limit=10_000)
        assert all(token.encode() not in n.state for n in stored)
        assert any(token_hash(token).encode() in n.state for n in stored)


def test_an_unreachable_mail_server_is_reported(make_services: Callable[..., Services]) -> None:
    services = make_services(port=free_port(), smtp_url=f"smtp://127.0.0.1:{free_port()}")
    with running_server(services) as url, httpx.Client(base_url=url) as http:
        owner = signup(http, plan="team")
        response = owner.post(
            "/api/v1/invitations", json={"email": "niemand@example.com", "role": "viewer"}
        )
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "mail_not_sent"
