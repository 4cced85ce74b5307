"""The follow-up loop ("Rückfrage"): staff ask about a file and tell the client; the client
reads the question at its document, answers with a new file; staff see the answer and the
document's state. axe over every page on the way."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, expect

from infrastructure.bootstrap import Services
from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import LAPTOP, screenshot, signed_in
from tests.support.api import Account
from tests.support.team import outbox, text_of
from tests.support.uploads import create_link, pdf_bytes, upload

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")

QUESTION = "Bitte auch Seite 2 – die Rückseite mit der Straße – hochladen. 🙂"


def mails_to(services: Services, address: str, count: int) -> list:
    deadline = time.monotonic() + 10
    while True:
        mails = [m for m in outbox(services.settings.data_dir) if m["To"] == address]
        if len(mails) >= count or time.monotonic() > deadline:
            return mails
        time.sleep(0.1)


def test_a_question_reaches_the_client_who_answers_with_a_new_file(
    account: Account, services: Services, browser: Browser
) -> None:
    address = "bernd.mueller@example.com"
    customer = account.create_customer("Bernd Müller", email=address)
    link = create_link(
        account,
        customer["id"],
        title="Einkommensteuer 2024",
        max_files=1,
        requested_items=["Lohnsteuerbescheinigung 2024", "Kontoauszug Dezember"],
    )
    item_id = link["requested_items"][0]["id"]
    first = upload(
        account.client, link, ("Lohnsteuer.pdf", pdf_bytes(9_000)), data={"item_id": item_id}
    )
    assert first.status_code == 201, first.text

    staff = browser.new_context(viewport=LAPTOP, locale="de-DE").new_page()
    signed_in(staff, services.settings.base_url, account.email)
    staff.goto(f"{services.settings.base_url}/customers/{customer['id']}")
    row = staff.locator("#received-files tbody tr", has_text="Lohnsteuer.pdf")
    row.locator("summary", has_text="Rückfrage stellen").click()
    row.get_by_label("Kommentar zur Rückfrage").fill(QUESTION)
    row.get_by_label(f"Kunden jetzt per E-Mail an {address} benachrichtigen").check()
    row.get_by_role("button", name="Rückfrage stellen").click()
    expect(staff.locator(".notice")).to_be_visible()
    items = staff.locator(".item-query")
    expect(items).to_have_count(1)
    expect(items).to_contain_text("Lohnsteuerbescheinigung 2024")
    expect(items).to_contain_text(QUESTION)
    open_items = staff.locator(".open-items li")
    expect(open_items).to_have_count(2)
    expect(open_items.first).to_contain_text(QUESTION)
    # "Vollständig" with open documents asks first; dismissing keeps the status.
    staff.once("dialog", lambda dialog: dialog.dismiss())
    staff.get_by_role("button", name="Status auf „Vollständig“ setzen").click()
    expect(staff.locator("#status-switch [aria-pressed=true]")).to_have_text("Teilweise")
    assert_accessible(staff)
    api_items = account.get(f"/api/v1/links/{link['id']}").json()["requested_items"]
    assert [(i["state"], i["question"]) for i in api_items] == [
        ("query", QUESTION),
        ("missing", None),
    ]

    # One mail to the client naming the open question, with the link.
    [mail] = mails_to(services, address, 1)
    assert mail["Subject"] == "Kanzlei Test: Rückfrage zu Ihren Unterlagen"
    body = text_of(mail)
    assert f"- Lohnsteuerbescheinigung 2024: {QUESTION}" in body
    assert link["url"] in body

    client = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = client.new_page()
    page.goto(link["url"])
    queried = page.locator("#items li", has_text="Lohnsteuerbescheinigung 2024")
    expect(queried.locator(".mark")).to_have_text("Rückfrage")
    expect(queried.locator(".question")).to_have_text(
        f"Rückfrage von Kanzlei Test: {QUESTION} Bitte senden Sie dafür eine neue Datei."
    )
    expect(page.locator("#item_id")).to_have_value(item_id)
    expect(page.locator(".limits")).to_contain_text("nur noch Antworten auf Rückfragen möglich")
    assert_accessible(page)
    screenshot(page, "upload-page-question.png")
    # The link takes one file and has it: the answer is taken all the same.
    page.set_input_files(
        "#file",
        files=[
            {"name": "Lohnsteuer Seite 2.pdf", "mimeType": "application/pdf",
             "buffer": pdf_bytes(12_000)}
        ],
    )  # fmt: skip
    page.click("#upload-button")
    expect(page.locator(".progress .state.ok")).to_have_count(1)
    expect(queried.locator(".mark")).to_have_text("erhalten")
    expect(queried.locator(".question")).to_have_count(0)
    page.reload()
    expect(queried.locator(".mark")).to_have_text("erhalten")
    page.goto(link["url"] + "?lang=en")
    expect(queried.locator(".mark")).to_have_text("received")
    client.close()

    staff.goto(f"{services.settings.base_url}/customers/{customer['id']}")
    expect(staff.locator("#received-files")).to_contain_text("Lohnsteuer Seite 2.pdf")
    answered = staff.locator("li.item-received", has_text="Lohnsteuerbescheinigung 2024")
    expect(answered).to_contain_text(f"Beantwortet (Rückfrage: {QUESTION})")
    expect(staff.locator("#activity")).to_contain_text("Rückfrage beantwortet")
    assert_accessible(staff)
    staff.context.close()
    api_items = account.get(f"/api/v1/links/{link['id']}").json()["requested_items"]
    assert [(i["state"], i["question"]) for i in api_items] == [
        ("received", None),
        ("missing", None),
    ]


def test_a_question_on_a_file_of_no_document_is_answered_with_a_replacement(
    account: Account, services: Services, browser: Browser
) -> None:
    customer = account.create_customer("Anna Straße")
    link = create_link(account, customer["id"], requested_items=["Personalausweis"])
    first = upload(account.client, link, ("Scan – Seite 1.pdf", pdf_bytes(5_000)))
    assert first.status_code == 201, first.text
    file_id = first.json()["files"][0]["id"]
    question = "Die Seite ist abgeschnitten – bitte noch einmal scannen."
    reviewed = account.put(
        f"/api/v1/files/{file_id}/review", json={"state": "query", "comment": question}
    )
    assert reviewed.status_code == 200, reviewed.text
    # Until answered, the question is open on the customer's page.
    staff = browser.new_context(viewport=LAPTOP, locale="de-DE").new_page()
    signed_in(staff, services.settings.base_url, account.email)
    staff.goto(f"{services.settings.base_url}/customers/{customer['id']}")
    expect(staff.locator(".open-items li", has_text="Scan – Seite 1.pdf")).to_contain_text(
        question
    )

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="de-DE")
    page.goto(link["url"])
    expect(page.locator("#file-questions")).to_be_visible()
    expect(page.locator("#file-question-list li")).to_have_text(
        f"„Scan – Seite 1.pdf“: {question} Bitte senden Sie dafür eine neue Datei."
    )
    chooser = page.locator("#item_id")
    expect(chooser.locator("option:checked")).to_have_text(
        "Ersatz für „Scan – Seite 1.pdf“ (Rückfrage)"
    )
    assert_accessible(page)
    page.set_input_files(
        "#file",
        files=[{"name": "Scan neu.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}],
    )
    page.click("#upload-button")
    expect(page.locator(".progress .state.ok")).to_have_count(1)
    expect(page.locator("#file-questions")).to_be_hidden()
    # On to the document still missing.
    expect(chooser.locator("option:checked")).to_have_text("Personalausweis")
    page.reload()
    expect(page.locator("#file-questions")).to_be_hidden()
    expect(page.locator("#received-list li")).to_have_count(2)
    page.close()

    # Staff (still signed in) see the answer at the queried file; the question is no longer open.
    staff.goto(f"{services.settings.base_url}/customers/{customer['id']}")
    queried = staff.locator("#received-files tbody tr", has_text="Scan – Seite 1.pdf")
    expect(queried.locator(".answered")).to_have_text("Beantwortet mit „Scan neu.pdf“")
    expect(staff.locator(".open-items")).not_to_contain_text("Scan – Seite 1.pdf")
    expect(staff.locator(".open-items")).to_contain_text("Personalausweis")
    assert_accessible(staff)
    staff.context.close()

    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
    answered = [item for item in activity if item["type"] == "FileQueryAnswered"]
    assert len(answered) == 1
    assert "„Scan – Seite 1.pdf“" in answered[0]["summary"]
