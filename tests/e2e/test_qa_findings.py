"""What a demanding tax office saw walking through the pages (the QA walk), each checked over
HTTP: attributes written as given, ..."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import date, timedelta
from email.message import EmailMessage

import httpx
import pytest

from infrastructure.bootstrap import Services
from tests.e2e.test_staff_pages_http import csrf_token_of, signed_in
from tests.support.api import Account
from tests.support.jobs import wait_until
from tests.support.team import outbox, text_of
from tests.support.uploads import create_link, pdf_bytes, token_of, upload


def test_form_attributes_reach_the_browser_unescaped(account: Account, base_url: str) -> None:
    """A field's extra attributes (placeholder, min, max) arrive as attributes, not as
    "&quot;#0b5cad&quot;" that the browser shows in quotes and whose limits it ignores."""
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/settings").text
    assert 'placeholder="#0b5cad" spellcheck="false"' in page
    assert re.search(r'id="retention-delete_after_complete_days"[^>]* min="1" max="3650"', page)
    assert "=&quot;" not in page


def test_the_send_form_shows_the_message_the_mail_will_carry(
    account: Account, base_url: str
) -> None:
    """A message typed when sending replaces the link's own in that mail: the form starts
    with the link's message, so what staff see is what the client reads; a password link's
    message stays out (it is behind the password, never in the mail)."""
    customer = account.create_customer("Jürgen Müller", email="juergen@example.com")
    message = "Liebe Frau Müller,\nbitte bis Ende Januar."
    link = create_link(account, customer["id"], message=message)
    locked = create_link(account, customer["id"], message="Geheim & intern", password="geheim123")
    with signed_in(base_url, account.email) as browser:
        page = browser.get(f"/links/{link['id']}").text
        locked_page = browser.get(f"/links/{locked['id']}").text
        customer_page = browser.get(f"/customers/{customer['id']}").text
    prefilled = r"[^>]*>Liebe Frau Müller,\nbitte bis Ende Januar\.<"
    assert re.search(r'<textarea id="message"' + prefilled, page)
    assert re.search(r'<textarea id="message"[^>]*></textarea>', locked_page)
    assert "steht hinter dem Passwort" in locked_page
    assert re.search(rf'<textarea id="message-{link["id"]}"' + prefilled, customer_page)
    assert re.search(rf'<textarea id="message-{locked["id"]}"[^>]*></textarea>', customer_page)


def test_the_inbox_names_no_empty_file_after_the_client_took_it_back(
    account: Account, http: httpx.Client, base_url: str
) -> None:
    """A file the client took back has no name left: the notice says it is deleted instead
    of "Anna Straße hat „“ hochgeladen"."""
    customer = account.create_customer("Anna Straße")
    link = create_link(account, customer["id"])
    [file] = upload(http, link, ("Kündigung – 2024.pdf", pdf_bytes())).json()["files"]
    taken = http.post(
        f"/u/{token_of(link)}/files/{file['id']}/remove",
        json={"removal_key": file["removal_key"]},
    )
    assert taken.status_code == 204, taken.text
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/inbox").text
        english = browser.get("/inbox", headers={"Accept-Language": "en"}).text
    assert "„“" not in page
    assert "Anna Straße hat eine Datei hochgeladen, die inzwischen gelöscht ist" in page
    assert "Anna Straße uploaded a file that has since been deleted" in english


def test_the_webhooks_page_writes_kanzleisoftware_as_one_word(
    account: Account, base_url: str
) -> None:
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/settings/webhooks").text
    assert "(Kanzleisoftware," in page


def test_the_delete_page_lists_only_what_there_is(account: Account, base_url: str) -> None:
    """No "0 gesendete Dateien (ihre Download-Links enden sofort)" for a customer without."""
    customer = account.create_customer("Ömer Çelik")
    create_link(account, customer["id"])
    with signed_in(base_url, account.email) as browser:
        page = browser.get(f"/customers/{customer['id']}/delete").text
    summary = re.search(r'<ul class="removed" id="delete-summary">.*?</ul>', page, re.S)
    assert summary, page[:2000]
    assert "1 Upload-Link (er funktioniert sofort nicht mehr)" in summary.group(0)
    assert "0 " not in summary.group(0)
    assert summary.group(0).count("<li>") == 2


def test_a_refused_due_date_says_why(account: Account, base_url: str) -> None:
    """A due date in the past or after the link's expiry reads as what is wrong, not as
    "Diese Angabe ist nicht gültig."; the API's English stays as it was."""
    customer = account.create_customer("Jürgen Müller")
    with signed_in(base_url, account.email) as browser:
        form = f"/customers/{customer['id']}/links/new"
        token = csrf_token_of(browser.get(form))
        past = browser.post(form, data={"csrf_token": token, "title": "x", "due_at": "2020-01-01"})
        late = browser.post(
            form,
            data={
                "csrf_token": token,
                "title": "x",
                "expires_at": (date.today() + timedelta(days=5)).isoformat(),
                "due_at": (date.today() + timedelta(days=9)).isoformat(),
            },
        )
    assert past.status_code == 422
    assert "Muss in der Zukunft liegen." in past.text
    assert late.status_code == 422
    assert "Darf nicht nach dem Ablauf des Links liegen" in late.text
    link = create_link(account, customer["id"])
    moved = account.patch(f"/api/v1/links/{link['id']}", json={"due_at": "2099-01-01T00:00:00Z"})
    assert moved.status_code == 422, moved.text
    assert moved.json()["error"]["fields"] == {"due_at": "must not be after expires_at"}


def test_a_mistyped_address_is_a_page_for_a_browser(http: httpx.Client) -> None:
    """A cut-off customer link (no id) or a typo showed {"error": ... "Not Found"} in the
    browser; programs and the API keep their JSON."""
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "de"}
    for path in ("/customers/kaputt", "/gibtsnicht"):
        page = http.get(path, headers=browser)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html"), page.text
        assert "Das gibt es nicht (mehr)" in page.text
        assert "Not Found" not in page.text
    english = http.get("/gibtsnicht", headers={**browser, "Accept-Language": "en"})
    assert english.status_code == 404 and "Not Found" not in english.text
    for path, headers in (("/gibtsnicht", {}), ("/api/v1/gibtsnicht", browser)):
        answer = http.get(path, headers=headers)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"


def test_a_download_page_refuses_in_words_about_the_download(
    account: Account, http: httpx.Client, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown or expired download said "Diesen Upload-Link gibt es nicht" / "Dieser
    Upload-Link ist abgelaufen" to a client who was sent a file."""
    unknown = http.get("/d/nichtda", headers={"Accept-Language": "de"})
    assert unknown.status_code == 404
    assert "Diesen Download-Link gibt es nicht." in unknown.text
    assert "Upload-Link" not in unknown.text
    customer = account.create_customer("Jürgen Müller")
    sent = account.post(
        f"/api/v1/customers/{customer['id']}/sent-files",
        files={"file": ("Bescheid 2024.pdf", pdf_bytes(), "application/pdf")},
    )
    assert sent.status_code == 201, sent.text
    later = services.app.now() + timedelta(days=400)
    monkeypatch.setattr(services.app, "now", lambda: later)
    expired = http.get(sent.json()["download_url"], headers={"Accept-Language": "de"})
    assert expired.status_code == 410
    assert "Dieser Download ist abgelaufen." in expired.text
    assert "Upload-Link" not in expired.text


def test_inviting_a_member_or_a_taken_address_says_so(
    account: Account, other_account: Account, base_url: str
) -> None:
    """Inviting someone already in the team read "Das hat sich gerade überschnitten. Bitte
    versuchen Sie es noch einmal." – trying again could never help."""
    with signed_in(base_url, account.email) as browser:
        token = csrf_token_of(browser.get("/settings"))
        answers = {
            email: browser.post(
                "/settings/invitations",
                data={"csrf_token": token, "email": email, "role": "member"},
            )
            for email in (account.email.upper(), other_account.email)
        }
    member, taken = answers.values()
    assert member.status_code == 409
    assert "Diese Person gehört bereits zu Ihrem Team." in member.text
    assert taken.status_code == 409
    assert "Mit dieser E-Mail-Adresse gibt es bereits ein Konto." in taken.text
    for answer in answers.values():
        assert "überschnitten" not in answer.text
    api = account.post("/api/v1/invitations", json={"email": account.email, "role": "member"})
    assert api.status_code == 409
    assert api.json()["error"]["code"] == "conflict"


def test_a_second_invitation_to_the_same_address_is_refused(account: Account) -> None:
    """A double click on "Einladung senden" made two open invitations and two mails."""
    first = account.post("/api/v1/invitations", json={"email": "neu@example.com", "role": "member"})
    assert first.status_code == 201, first.text
    again = account.post("/api/v1/invitations", json={"email": "Neu@Example.com", "role": "admin"})
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "conflict"
    pending = account.get("/api/v1/invitations").json()["items"]
    assert [i["email"] for i in pending] == ["neu@example.com"]


def test_a_revoked_link_claims_no_validity_still_to_come(account: Account, base_url: str) -> None:
    """A link revoked today read "widerrufen · war gültig bis" a date weeks ahead."""
    customer = account.create_customer("Ömer Çelik")
    link = create_link(account, customer["id"], title="Gehaltsnachweise")
    assert account.post(f"/api/v1/links/{link['id']}/revoke").status_code == 200
    with signed_in(base_url, account.email) as browser:
        page = browser.get(f"/customers/{customer['id']}").text
    closed = re.search(r'<section id="closed-links".*?</section>', page, re.S)
    assert closed, page[:2000]
    assert "Gehaltsnachweise" in closed.group(0)
    assert "war gültig bis" not in closed.group(0)


def test_a_refused_template_edit_keeps_its_heading(account: Account, base_url: str) -> None:
    """Emptying the name made the page read "Vorlage „“ bearbeiten" above the refusal."""
    made = account.post(
        "/api/v1/templates",
        json={"name": "Einkommensteuer 2024", "items": [{"label": "Lohnsteuerbescheinigung"}]},
    )
    assert made.status_code == 201, made.text
    path = f"/settings/templates/{made.json()['id']}"
    with signed_in(base_url, account.email) as browser:
        token = csrf_token_of(browser.get(path))
        refused = browser.post(
            path,
            data={"csrf_token": token, "name": "", "rows": "1", "label_0": "Lohnsteuer"},
        )
    assert refused.status_code == 422
    assert "<h1>Vorlage „Einkommensteuer 2024“ bearbeiten</h1>" in refused.text


def test_a_link_sent_again_asks_only_for_what_is_missing(
    account: Account, http: httpx.Client, services: Services
) -> None:
    """Sent again after the first document arrived, the mail still asked for it ("Bitte
    laden Sie hoch: - Lohnsteuerbescheinigung")."""
    address = f"mueller-{uuid.uuid4().hex[:8]}@example.com"
    customer = account.create_customer("Jürgen Müller", email=address)
    link = create_link(account, customer["id"], requested_items=["Lohnsteuer 2024", "Kündigung"])
    first = link["requested_items"][0]["id"]
    sent = upload(http, link, ("Müller.pdf", pdf_bytes()), data={"item_id": first})
    assert sent.status_code == 201, sent.text
    assert account.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202
    mails: list[EmailMessage] = []

    def arrived() -> bool:
        mails[:] = [m for m in outbox(services.settings.data_dir) if m["To"] == address]
        return bool(mails)

    wait_until(arrived, what="the link mail")
    [mail] = mails
    body = text_of(mail)
    assert "- Kündigung" in body
    assert "Lohnsteuer 2024" not in body


def test_the_zip_index_names_the_answer_to_a_question(account: Account, http: httpx.Client) -> None:
    """Inhalt.txt listed a queried file as "Rückfrage: …" after the client had answered it."""
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"])
    file_id = upload(http, link, ("Kündigung – 2024.pdf", pdf_bytes())).json()["files"][0]["id"]
    query = {"state": "query", "comment": "Bitte mit Unterschrift."}
    assert account.put(f"/api/v1/files/{file_id}/review", json=query).status_code == 200
    answer = upload(
        http, link, ("Kündigung unterschrieben.pdf", pdf_bytes()), data={"replaces": file_id}
    )
    assert answer.status_code == 201, answer.text
    archive = account.get(f"/api/v1/customers/{customer['id']}/files.zip")
    assert archive.status_code == 200
    index = zipfile.ZipFile(io.BytesIO(archive.content)).read("Inhalt.txt").decode()
    assert (
        "Rückfrage: Bitte mit Unterschrift. – beantwortet mit „Kündigung unterschrieben.pdf“"
        in index
    ), index
