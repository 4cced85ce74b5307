"""A refused link's page names the office and how to reach it: the organisation's reply
address for client mails, else the staff member who sent (or made) the link while they are
a member; never a former member's address."""

from __future__ import annotations

import re

import httpx

from infrastructure.bootstrap import Services
from tests.support.api import Account
from tests.support.team import add_member
from tests.support.uploads import create_link, token_of


def ask_of(html: str) -> str:
    found = re.search(r'<p class="ask">(.*?)</p>', html, re.S)
    assert found, html[:2000]
    return found.group(1)


def test_the_refused_page_says_whom_to_write_to(
    account: Account, http: httpx.Client, services: Services
) -> None:
    colleague = add_member(account, services.settings.data_dir, "member", name="Zoë Çelik")
    customer = colleague.create_customer("Jürgen Müller", email="juergen@example.com")
    link = create_link(colleague, customer["id"])
    # The owner sends the link: the client knows it from the owner's mail.
    assert account.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202
    assert account.post(f"/api/v1/links/{link['id']}/revoke").status_code == 200
    ask = ask_of(http.get(f"/u/{token_of(link)}").text)
    assert f'<a href="mailto:{account.email}">{account.email}</a>' in ask
    assert "Kanzlei Test" in ask

    made_only = create_link(colleague, customer["id"])
    assert account.post(f"/api/v1/links/{made_only['id']}/revoke").status_code == 200
    assert colleague.email in ask_of(http.get(f"/u/{token_of(made_only)}").text)
    # A former member is no contact: the office's name alone.
    removed = account.delete(f"/api/v1/members/{colleague.user_id}")
    assert removed.status_code == 204, removed.text
    ask = ask_of(http.get(f"/u/{token_of(made_only)}").text)
    assert ask == "Bitte wenden Sie sich an Kanzlei Test."

    # The organisation's reply address for client mails comes first.
    branding = account.put(
        "/api/v1/organization/branding", json={"reply_to": "kanzlei@example.com"}
    )
    assert branding.status_code == 200, branding.text
    for refused in (link, made_only):
        assert "mailto:kanzlei@example.com" in ask_of(http.get(f"/u/{token_of(refused)}").text)
