"""What issue 16 saw on the staff pages, each checked over HTTP on both backends: a visitor's
frame, the sign-out form's token, the plan's cap before any typing, the settings page's
tokens and members, one activity entry per send."""

from __future__ import annotations

import re

import httpx

from tests.e2e.test_staff_pages_http import csrf_token_of, signed_in
from tests.support.api import Account, signup
from tests.support.jobs import wait_until
from tests.support.uploads import create_link


def test_a_visitor_sees_no_staff_navigation_or_sign_out(http: httpx.Client) -> None:
    for path in ("/login", "/login?next=%2Fcustomers"):
        page = http.get(path, headers={"Accept-Language": "de-DE"})
        assert page.status_code == 200
        assert 'class="main-nav"' not in page.text
        assert 'action="/logout"' not in page.text
        for word in (">Kunden<", ">Einstellungen<", "Abmelden"):
            assert word not in page.text, (path, word)


def test_the_sign_out_form_carries_the_sessions_token(account: Account, base_url: str) -> None:
    with signed_in(base_url, account.email) as browser:
        for path in ("/customers", "/settings", "/inbox"):
            page = browser.get(path)
            assert page.status_code == 200, path
            assert "<function" not in page.text and "csrf_token at" not in page.text
            logout = re.search(
                r'action="/logout".*?name="csrf_token" value="([^"]+)"', page.text, re.S
            )
            assert logout, path
            assert logout.group(1) == csrf_token_of(page)
        out = browser.post("/logout", data={"csrf_token": csrf_token_of(browser.get("/settings"))})
        assert out.status_code == 303
        assert browser.get("/customers").status_code in (302, 303)


def test_at_the_plans_cap_list_and_form_say_so_before_anything_is_typed(
    http: httpx.Client, base_url: str
) -> None:
    solo = signup(http, plan="solo")
    for n in range(9):
        solo.create_customer(f"Kunde {n}")
    with signed_in(base_url, solo.email) as browser:
        below = browser.get("/customers").text
        assert 'id="new-customer"' in below and 'id="plan-full"' not in below
        solo.create_customer("Kunde 9")
        full = browser.get("/customers").text
        assert 'id="new-customer"' not in full
        notice = re.search(r'<p[^>]*id="plan-full"[^>]*>(.*?)</p>', full, re.S)
        assert notice, full[:2000]
        assert "Ihr Tarif erlaubt 10 Kunden" in notice.group(1)
        assert '<a href="/settings#plan">' in notice.group(1)
        form = browser.get("/customers/new").text
        assert 'id="plan-full"' in form and '<a href="/settings#plan">' in form
        assert re.search(r'<button type="submit"\s+disabled>', form)
        # The settings page the link leads to has the plan where the link points.
        assert 'id="plan"' in browser.get("/settings").text


def test_the_settings_page_names_the_signup_token_and_each_member_once(
    account: Account, base_url: str
) -> None:
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/settings").text
    members = re.findall(r'<tr id="member-([0-9a-f-]{36})"', page)
    assert members == [account.user_id]
    tokens = re.search(r'<section id="tokens".*?</section>', page, re.S)
    assert tokens
    assert "bei der Registrierung erstellt" in tokens.group(0)
    assert "<strong>signup</strong>" not in tokens.group(0)


def test_one_send_is_one_activity_entry(account: Account) -> None:
    customer = account.create_customer("Jürgen Weiß", email="juergen@example.de")
    link = create_link(account, customer["id"], title="Kündigung – 2024")
    sent = account.post(f"/api/v1/links/{link['id']}/send", json={})
    assert sent.status_code == 202, sent.text
    activity = f"/api/v1/customers/{customer['id']}/activity"

    def summaries() -> list[str]:
        return [item["summary"] for item in account.get(activity).json()["items"]]

    wait_until(lambda: any("gesendet" in s for s in summaries()), what="the send")
    about_sending = [s for s in summaries() if "juergen@example.de" in s]
    assert len(about_sending) == 1, about_sending
    assert about_sending[0].startswith("Upload-Link „Kündigung – 2024“ an juergen@example.de")
    assert not any("angestoßen" in s for s in summaries())


def test_setting_complete_asks_in_singular_or_plural(account: Account, base_url: str) -> None:
    """One open document: "Noch 1 Unterlage fehlt …", not "Noch 1 Unterlagen fehlen …"."""
    one = account.create_customer("Jürgen Müller")
    create_link(account, one["id"], requested_items=["Kündigung – 2024"])
    two = account.create_customer("Anna Straße")
    create_link(account, two["id"], requested_items=["Mietvertrag", "Ausweis"])
    with signed_in(base_url, account.email) as browser:
        page = browser.get(f"/customers/{one['id']}").text
        assert "Noch 1 Unterlage fehlt oder hat eine offene Rückfrage." in page
        assert "1 Unterlagen" not in page
        page = browser.get(f"/customers/{two['id']}").text
        assert "Noch 2 Unterlagen fehlen oder haben eine offene Rückfrage." in page
        english = browser.get(f"/customers/{one['id']}", headers={"Accept-Language": "en"}).text
    assert "1 document is still missing or has an open query." in english


def test_the_plan_counts_one_customer_in_the_singular(account: Account, base_url: str) -> None:
    assert account.patch("/api/v1/organization", json={"plan": "team"}).status_code == 200
    account.create_customer("Jürgen Müller")
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/settings").text
        english = browser.get("/settings", headers={"Accept-Language": "en"}).text
    assert "1 Kunde (unbegrenzt)" in page and "1 Kunden" not in page
    assert "1 customer (unlimited)" in english
