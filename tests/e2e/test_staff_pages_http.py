"""The staff pages over HTTP: every form post needs the session's CSRF token, a viewer is
refused every command, sign-in, language, live-search fragments, pages, escaping.

The form posts are taken from the application's route table, so a new page command is
covered (and must refuse a forged post) without a line here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from infrastructure.bootstrap import Services
from interfaces.http.app import create_app
from tests.support.api import PASSWORD, Account
from tests.support.team import add_member
from tests.support.uploads import create_link, pdf_bytes, upload

# Routes of the JSON API and of the client's pages; everything else is a staff page.
NOT_STAFF_PAGES = ("/api/", "/u/", "/d/", "/schema", "/static", "/bench", "/health", "/ready")
# Commands a viewer may use on the staff pages: signing out and their own API tokens.
VIEWER_MAY = {
    "/logout",
    "/settings/tokens",
    "/settings/tokens/{token_id:uuid}/revoke",
    # Every member switches their own upload notices.
    "/settings/notifications",
    # Every member reads their own inbox.
    "/inbox/read",
    "/inbox/{notice_id:uuid}/open",
}
CSRF_REFUSED = "Das Formular ist veraltet"
ROLE_REFUSED = "Dafür fehlt Ihrer Rolle die Berechtigung."


def staff_page_posts(services: Services) -> list[str]:
    """Every form post of the staff pages, from the route table (sign-in and accepting an
    invitation need no session: the invitation's token in the path is what admits)."""
    app = create_app(services, start_services=False)
    return sorted(
        route.path
        for route in app.routes
        if "POST" in getattr(route, "methods", set())
        and not route.path.startswith(NOT_STAFF_PAGES)
        and route.path not in {"/login", "/invitations/{token:str}"}
    )


def concrete(path: str, customer_id: str) -> str:
    """The route with the real customer's id, and fresh ids for everything else."""
    path = path.replace("{customer_id:uuid}", customer_id)
    return re.sub(r"\{\w+:uuid\}", lambda _: str(uuid.uuid4()), path)


@contextmanager
def signed_in(base_url: str, email: str, **headers: str) -> Iterator[httpx.Client]:
    """A browser-like client with a staff session (German unless told otherwise)."""
    with httpx.Client(
        base_url=base_url, headers={"Accept-Language": "de-DE", **headers}, timeout=30
    ) as browser:
        response = browser.post(
            "/login", data={"email": email, "password": PASSWORD, "next": "/customers"}
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/customers"
        yield browser


def csrf_token_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def state_of(account: Account, customer_id: str) -> dict[str, Any]:
    response = account.get(f"/api/v1/customers/{customer_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    body.pop("updated_at")
    return body


def test_every_staff_page_post_needs_the_csrf_token(
    account: Account, services: Services, base_url: str
) -> None:
    customer = account.create_customer("Vera Wächter", email="vera@example.com")
    link = create_link(account, customer["id"], requested_items=["Ausweis"])
    before = state_of(account, customer["id"])
    posts = staff_page_posts(services)
    assert len(posts) >= 20, posts
    with signed_in(base_url, account.email) as browser:
        token = csrf_token_of(browser.get("/customers"))
        wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
        for path in posts:
            for form in ({}, {"csrf_token": ""}, {"csrf_token": wrong}):
                forged = browser.post(concrete(path, customer["id"]), data=form)
                assert forged.status_code == 403, (path, form, forged.status_code)
                assert CSRF_REFUSED in forged.text, path
        multipart = browser.post(
            f"/customers/{customer['id']}/sent-files",
            files={"file": ("antwort.pdf", pdf_bytes(2_000), "application/pdf")},
        )
        assert multipart.status_code == 403
        # Still signed in: even signing out needs the token.
        assert browser.get("/customers").status_code == 200
    assert state_of(account, customer["id"]) == before
    assert account.get(f"/api/v1/links/{link['id']}").json()["status"] == "active"


def test_a_viewer_is_refused_every_staff_page_command(
    account: Account, services: Services, base_url: str
) -> None:
    customer = account.create_customer("Vera Wächter", email="vera@example.com")
    link = create_link(account, customer["id"])
    assert upload(account.client, link, ("beleg.pdf", pdf_bytes(2_000))).status_code == 201
    before = state_of(account, customer["id"])
    viewer = add_member(account, services.settings.data_dir, "viewer")
    with signed_in(base_url, viewer.email) as browser:
        token = csrf_token_of(browser.get("/customers"))
        for path in staff_page_posts(services):
            if path in VIEWER_MAY:
                continue
            refused = browser.post(concrete(path, customer["id"]), data={"csrf_token": token})
            assert refused.status_code == 403, (path, refused.status_code)
            assert ROLE_REFUSED in refused.text, path
        refused = browser.post(
            f"/customers/{customer['id']}/sent-files",
            data={"csrf_token": token},
            files={"file": ("antwort.pdf", pdf_bytes(2_000), "application/pdf")},
        )
        assert refused.status_code == 403
        for form_page in ("/customers/new", f"/customers/{customer['id']}/links/new"):
            assert browser.get(form_page).status_code == 403, form_page
        assert browser.get(f"/customers/{customer['id']}/delete").status_code == 403
        # Reading is what a viewer may do.
        assert browser.get(f"/customers/{customer['id']}").status_code == 200
        assert browser.get("/settings").status_code == 200
    assert state_of(account, customer["id"]) == before


def test_signing_in_leads_back_to_the_page_and_never_to_another_site(
    account: Account, base_url: str
) -> None:
    customer = account.create_customer()
    page = f"/customers/{customer['id']}"
    with httpx.Client(base_url=base_url, headers={"Accept-Language": "de"}) as browser:
        away = browser.get(page)
        assert away.status_code == 303
        assert away.headers["location"] == f"/login?next=%2Fcustomers%2F{customer['id']}"
        login_page = browser.get(away.headers["location"])
        assert login_page.status_code == 200
        assert f'name="next" value="{page}"' in login_page.text

        wrong = browser.post(
            "/login", data={"email": account.email, "password": "falsch", "next": page}
        )
        assert wrong.status_code == 401
        assert "E-Mail oder Passwort ist falsch." in wrong.text
        assert f'value="{account.email}"' in wrong.text
        assert "docintake_session" not in wrong.headers.get("set-cookie", "")

        for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            response = browser.post(
                "/login",
                data={"email": account.email, "password": PASSWORD, "next": elsewhere},
            )
            assert response.status_code == 303
            assert response.headers["location"] == "/customers", elsewhere
        back = browser.post(
            "/login", data={"email": account.email, "password": PASSWORD, "next": page}
        )
        assert back.headers["location"] == page
        assert browser.get(page).status_code == 200
        # Signed in, the sign-in page moves on.
        assert browser.get("/login").headers["location"] == "/customers"

        token = csrf_token_of(browser.get(page))
        out = browser.post("/logout", data={"csrf_token": token})
        assert out.headers["location"] == "/login?done=logged_out"
        assert browser.get(page).status_code == 303
        # A form sent after the session ended leads to sign-in, then back to its page.
        late = browser.post(
            f"{page}/status",
            data={"csrf_token": token, "status": "complete"},
            headers={"Referer": f"{base_url}{page}"},
        )
        assert late.status_code == 303
        assert late.headers["location"] == f"/login?next=%2Fcustomers%2F{customer['id']}"
    assert state_of(account, customer["id"])["status"] == "open"


def test_user_content_is_escaped_everywhere(account: Account, base_url: str) -> None:
    hostile = '<img src=x onerror="alert(1)">'
    customer = account.create_customer(hostile, email="x@example.com", company="<b>Co</b>")
    note = account.post(
        f"/api/v1/customers/{customer['id']}/notes", json={"text": "<script>alert(2)</script>"}
    )
    assert note.status_code == 201
    create_link(account, customer["id"], title="<i>Titel</i>", requested_items=["<u>Item</u>"])
    with signed_in(base_url, account.email) as browser:
        for path in ("/customers", f"/customers/{customer['id']}", "/customers?q=img"):
            page = browser.get(path).text
            assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page, path
            assert "<img src=x" not in page and "<b>Co</b>" not in page
        detail = browser.get(f"/customers/{customer['id']}").text
        for raw in ("<script>alert(2)", "<i>Titel</i>", "<u>Item</u>"):
            assert raw not in detail
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in detail
        assert "&lt;u&gt;Item&lt;/u&gt;" in detail


def test_german_first_english_by_choice(account: Account, base_url: str) -> None:
    with signed_in(base_url, account.email, **{"Accept-Language": "fr-FR"}) as browser:
        page = browser.get("/customers")
        assert '<html lang="de">' in page.text and ">Neuer Kunde<" in page.text
        switched = browser.get("/language/en", params={"next": "/customers?status=open"})
        assert switched.status_code == 303
        assert switched.headers["location"] == "/customers?status=open"
        english = browser.get("/customers")
        assert '<html lang="en">' in english.text and ">New customer<" in english.text
        # An unknown language changes nothing; the choice beats the browser's header.
        browser.get("/language/xx", params={"next": "https://evil.example/"})
        assert ">New customer<" in browser.get("/customers").text
    with signed_in(base_url, account.email, **{"Accept-Language": "en-GB,en;q=0.8"}) as browser:
        assert '<html lang="en">' in browser.get("/customers").text


def test_live_search_pages_and_filters(account: Account, base_url: str) -> None:
    for number in range(30):
        account.create_customer(f"Kunde {number:02d}", email=f"k{number:02d}@example.com")
    account.create_customer("Zora Ziegler", email="zora@ziegler-steuer.de")
    with signed_in(base_url, account.email) as browser:
        first = browser.get("/customers")
        names = re.findall(r'class="customer-name">([^<]+)<', first.text)
        assert names == [f"Kunde {n:02d}" for n in range(25)]
        assert "1–25 von 31 Kunden" in first.text
        next_url = re.search(r'href="([^"]+)" rel="next"', first.text)
        assert next_url
        second = browser.get(next_url.group(1).replace("&amp;", "&"))
        names = re.findall(r'class="customer-name">([^<]+)<', second.text)
        assert names == [*(f"Kunde {n:02d}" for n in range(25, 30)), "Zora Ziegler"]
        assert "26–31 von 31 Kunden" in second.text
        assert 'rel="next"' not in second.text
        previous = re.search(r'href="([^"]+)" rel="prev"', second.text)
        assert previous
        again = browser.get(previous.group(1).replace("&amp;", "&"))
        assert re.findall(r'class="customer-name">([^<]+)<', again.text)[0] == "Kunde 00"

        fragment = browser.get(
            "/customers", params={"q": "ziegler-st"}, headers={"X-Fragment": "results"}
        )
        assert fragment.status_code == 200
        assert "<html" not in fragment.text
        assert re.findall(r'class="customer-name">([^<]+)<', fragment.text) == ["Zora Ziegler"]
        none = browser.get("/customers", params={"q": "niemand", "status": "complete"})
        assert "Kein Kunde passt zu dieser Suche oder diesem Filter." in none.text
        # An edited cursor starts over instead of failing.
        assert browser.get("/customers", params={"cursor": "kaputt"}).status_code == 200


def test_a_file_for_the_client_and_whether_it_was_fetched(account: Account, base_url: str) -> None:
    customer = account.create_customer("Bernd Schmidt")
    page = f"/customers/{customer['id']}"
    content = pdf_bytes(12_000)
    with signed_in(base_url, account.email) as browser:
        token = csrf_token_of(browser.get(page))
        sent = browser.post(
            f"{page}/sent-files",
            data={"csrf_token": token},
            files={"file": ("Bescheid 2024.pdf", content, "application/pdf")},
        )
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == f"{page}?done=file_sent#sent-files"
        detail = browser.get(sent.headers["location"]).text
        assert "Bescheid 2024.pdf" in detail
        assert "noch nicht heruntergeladen" in detail
        found = re.search(r'id="sent-url-[^"]+" type="text" value="([^"]+)"', detail)
        assert found
        download = httpx.get(found.group(1) + "/content")
        assert download.status_code == 200 and download.content == content
        assert ">Heruntergeladen<" in browser.get(page).text

        nothing = browser.post(
            f"{page}/sent-files",
            data={"csrf_token": token},
            files={"file": ("", b"", "application/octet-stream")},
        )
        assert nothing.status_code == 422
        assert "Bitte eine Datei auswählen." in nothing.text
    assert len(account.get(f"{'/api/v1' + page}/sent-files").json()["items"]) == 1
