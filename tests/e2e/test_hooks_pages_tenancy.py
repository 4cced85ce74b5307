"""The inbox and webhook pages keep organisations apart: another organisation's notice or
webhook is a 404 page, and nothing of it changes."""

from __future__ import annotations

import httpx

from tests.e2e.test_staff_pages_http import csrf_token_of, signed_in
from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes, upload


def test_another_organisations_notice_and_webhook_are_not_found(
    account: Account, other_account: Account, http: httpx.Client, base_url: str
) -> None:
    customer = other_account.create_customer("Fremde Kundin")
    link = create_link(other_account, customer["id"])
    assert upload(http, link, ("geheim.pdf", pdf_bytes(2_000))).status_code == 201
    [notice] = other_account.get("/api/v1/inbox").json()["items"]
    hook = other_account.post(
        "/api/v1/webhooks",
        json={"url": "https://93.184.215.14/fremd", "events": ["link.expired"]},
    ).json()

    with signed_in(base_url, account.email) as browser:
        inbox = browser.get("/inbox")
        assert inbox.status_code == 200
        assert "Fremde Kundin" not in inbox.text and "geheim.pdf" not in inbox.text
        token = csrf_token_of(inbox)
        opened = browser.post(f"/inbox/{notice['id']}/open", data={"csrf_token": token})
        assert opened.status_code == 404
        assert browser.post("/inbox/read", data={"csrf_token": token}).status_code == 303

        webhooks = browser.get("/settings/webhooks")
        assert webhooks.status_code == 200 and "93.184.215.14" not in webhooks.text
        assert browser.get(f"/settings/webhooks/{hook['id']}").status_code == 404
        for action in ("switch", "rotate", "remove"):
            refused = browser.post(
                f"/settings/webhooks/{hook['id']}/{action}", data={"csrf_token": token}
            )
            assert refused.status_code == 404, action
            assert "whsec_" not in refused.text

    assert other_account.get("/api/v1/inbox").json()["unread"] == 1
    [still] = other_account.get("/api/v1/webhooks").json()["items"]
    assert still["enabled"] is True and still["secret_changed_at"] == still["created_at"]
