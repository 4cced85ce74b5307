"""Customer numbers, the family-name order, counts that follow the search, and notes that
can be changed and deleted: over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from infrastructure.bootstrap import Services
from tests.e2e.test_staff_pages_http import csrf_token_of, signed_in
from tests.support.api import Account
from tests.support.team import add_member


def found(account: Account, **params: Any) -> list[dict[str, Any]]:
    response = account.get("/api/v1/customers", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    items: list[dict[str, Any]] = body["items"]
    return items


def test_a_customer_number_is_kept_shown_searched_and_changed(account: Account) -> None:
    numbered = account.create_customer("Jürgen Weiß", customer_number="  00123/Kü  ")
    assert numbered["customer_number"] == "00123/Kü"
    plain = account.create_customer("Anna Schmidt")
    assert plain["customer_number"] is None
    account.create_customer("Straße 12 GmbH", customer_number="K-99")
    path = f"/api/v1/customers/{numbered['id']}"
    assert account.get(path).json()["customer_number"] == "00123/Kü"

    # Searched like name, e-mail and company: long enough for the trigram index, and short.
    assert [c["id"] for c in found(account, q="123/KÜ")] == [numbered["id"]]
    assert [c["id"] for c in found(account, q="23")] == [numbered["id"]]
    assert {c["name"] for c in found(account, q="k-9")} == {"Straße 12 GmbH"}
    assert [c["customer_number"] for c in found(account, q="weiß")] == ["00123/Kü"]

    changed = account.patch(path, json={"customer_number": "M-2024 🙂"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["customer_number"] == "M-2024 🙂"
    assert found(account, q="00123") == []
    assert [c["id"] for c in found(account, q="m-2024")] == [numbered["id"]]
    # Another field's change leaves it alone; null clears it.
    account.patch(path, json={"company": "Weiß & Söhne"})
    assert account.get(path).json()["customer_number"] == "M-2024 🙂"
    cleared = account.patch(path, json={"customer_number": None}).json()
    assert cleared["customer_number"] is None
    assert found(account, q="m-2024") == []

    history = account.get(f"{path}/history").json()["events"]
    assert history[0]["data"]["customer_number"] == "00123/Kü"
    changes = [e["data"]["changes"] for e in history if e["type"] == "CustomerDetailsChanged"]
    assert changes[0] == {"customer_number": "M-2024 🙂"}
    activity = account.get(f"{path}/activity").json()["items"]
    assert any("Mandantennummer" in item["summary"] for item in activity)


def test_a_bad_customer_number_is_refused_naming_the_field(account: Account) -> None:
    customer = account.create_customer("Anna Schmidt", customer_number="A-1")
    path = f"/api/v1/customers/{customer['id']}"
    for bad in ["A\x00B", "A\tB", "1\n2", "x" * 41, 123]:
        for response in (
            account.post("/api/v1/customers", json={"name": "Neu", "customer_number": bad}),
            account.patch(path, json={"customer_number": bad}),
        ):
            assert response.status_code == 422, (bad, response.text)
            assert "customer_number" in response.json()["error"]["fields"], response.text
    # Exactly 40 characters are taken; nothing refused was stored.
    assert account.patch(path, json={"customer_number": "x" * 40}).status_code == 200
    assert [c["name"] for c in found(account)] == ["Anna Schmidt"]


def test_name_a_to_z_is_by_family_name(account: Account) -> None:
    for name in [
        "Anna Zander",
        "Bernd Adler",
        "Johann Wolfgang von Goethe",
        "Müller, Clara",
        "Jan van der Berg",
        "Édith Ärger",
        "Bäckerei Schmidt GmbH",
        # A word with no letter (an emoji, a dash) is not a family name.
        "Jürgen Müller 🙂",
        "Olga Berger –",
        "Müller & Söhne",
    ]:
        account.create_customer(name)
    expected = [
        "Bernd Adler",
        "Édith Ärger",
        "Bäckerei Schmidt GmbH",
        "Jan van der Berg",
        "Olga Berger –",
        "Johann Wolfgang von Goethe",
        "Müller & Söhne",
        "Müller, Clara",
        "Jürgen Müller 🙂",
        "Anna Zander",
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "sort": "name"}
        if cursor:
            params["cursor"] = cursor
        page = account.get("/api/v1/customers", params=params).json()
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == expected
    backwards = account.get("/api/v1/customers", params={"sort": "-name", "limit": 2}).json()
    assert [c["name"] for c in backwards["items"]] == expected[::-1][:2]
    params = {"sort": "-name", "limit": 2, "cursor": backwards["next_cursor"]}
    page_two = account.get("/api/v1/customers", params=params).json()
    assert [c["name"] for c in page_two["items"]] == expected[::-1][2:4]


def test_status_counts_follow_the_search(account: Account) -> None:
    schmidts = [account.create_customer(f"Schmidt {n}") for n in ("Anna", "Bernd", "Clara")]
    account.create_customer("Dora Klein")
    account.create_customer("Emil Braun", customer_number="SCHMIDT-7")
    account.put(f"/api/v1/customers/{schmidts[0]['id']}/status", json={"status": "complete"})
    account.put(f"/api/v1/customers/{schmidts[1]['id']}/status", json={"status": "partial"})

    def counts(**params: str) -> dict[str, int]:
        response = account.get("/api/v1/customers/status-counts", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, int] = response.json()
        return body

    assert counts() == {"open": 3, "partial": 1, "complete": 1, "all": 5}
    assert counts(q="schmidt") == {"open": 2, "partial": 1, "complete": 1, "all": 4}
    assert counts(q="klein") == {"open": 1, "partial": 0, "complete": 0, "all": 1}
    assert counts(q="nobody") == {"open": 0, "partial": 0, "complete": 0, "all": 0}
    refused = account.get("/api/v1/customers/status-counts", params={"q": "a\x00"})
    assert refused.status_code == 422
    assert "q" in refused.json()["error"]["fields"]


def test_notes_are_changed_and_deleted_by_their_author_or_an_admin(
    account: Account, services: Services
) -> None:
    data_dir = services.settings.data_dir
    member = add_member(account, data_dir, "member", name="Mia Mitglied")
    colleague = add_member(account, data_dir, "member", name="Karl Kollege")
    admin = add_member(account, data_dir, "admin", name="Ada Admin")
    viewer = add_member(account, data_dir, "viewer", name="Vera Leserin")
    customer = account.create_customer("Jürgen Weiß")
    notes = f"/api/v1/customers/{customer['id']}/notes"
    first = member.post(notes, json={"text": "Ruft Montag an – Kündigung 2024"}).json()
    second = member.post(notes, json={"text": "Zweite Notiz"}).json()
    path = f"{notes}/{first['id']}"

    edited = member.patch(path, json={"text": "  Ruft Dienstag an\r\nStraße 5 🙂  "})
    assert edited.status_code == 200, edited.text
    assert edited.json()["text"] == "Ruft Dienstag an\nStraße 5 🙂"
    assert edited.json()["author_id"] == member.user_id
    assert edited.json()["edited_at"] is not None
    assert edited.json()["created_at"] == first["created_at"]

    # Someone else's note: only an admin or the owner may change it, a viewer nothing.
    for outsider in (colleague, viewer):
        refused = outsider.patch(path, json={"text": "Übernommen"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "forbidden"
        assert outsider.delete(path).status_code == 403
    assert admin.patch(path, json={"text": "Vom Admin ergänzt"}).status_code == 200

    bad = member.patch(path, json={"text": "  "})
    assert bad.status_code == 422 and "text" in bad.json()["error"]["fields"]
    bad = member.patch(path, json={"text": "a\x00b"})
    assert bad.status_code == 422 and "text" in bad.json()["error"]["fields"]

    assert account.delete(path).status_code == 204
    assert member.delete(f"{notes}/{second['id']}").status_code == 204
    assert account.get(f"/api/v1/customers/{customer['id']}").json()["notes"] == []
    # Gone: no second delete, no edit.
    assert account.delete(path).status_code == 404
    assert account.patch(path, json={"text": "x"}).status_code == 404
    assert account.patch(f"{notes}/{customer['id']}", json={"text": "x"}).status_code == 404

    history = account.get(f"/api/v1/customers/{customer['id']}/history").json()["events"]
    kinds = [e["type"] for e in history if e["type"].startswith("Note")]
    assert kinds == ["NoteAdded"] * 2 + ["NoteEdited"] * 2 + ["NoteDeleted"] * 2
    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
    summaries = [item["summary"] for item in activity]
    # Who did it, and that a note changed: never what it says.
    assert summaries[:4] == [
        "Interne Notiz gelöscht – Mia Mitglied",
        f"Interne Notiz gelöscht – {account.email}",
        "Interne Notiz geändert – Ada Admin",
        "Interne Notiz geändert – Mia Mitglied",
    ]
    words = " ".join(summaries) + str([item["data"] for item in activity])
    assert "Dienstag" not in words and "Montag" not in words and "ergänzt" not in words


def test_another_organisation_can_neither_see_nor_change_a_note(
    account: Account, other_account: Account
) -> None:
    customer = account.create_customer("Jürgen Weiß", customer_number="K-1")
    note = account.post(
        f"/api/v1/customers/{customer['id']}/notes", json={"text": "Vertraulich"}
    ).json()
    path = f"/api/v1/customers/{customer['id']}/notes/{note['id']}"
    assert other_account.patch(path, json={"text": "x"}).status_code == 404
    assert other_account.delete(path).status_code == 404
    assert other_account.get("/api/v1/customers", params={"q": "K-1"}).json()["items"] == []
    counts = other_account.get("/api/v1/customers/status-counts", params={"q": "weiß"}).json()
    assert counts["all"] == 0
    detail = account.get(f"/api/v1/customers/{customer['id']}").json()
    assert [n["text"] for n in detail["notes"]] == ["Vertraulich"]


def test_the_pages_note_forms_keep_the_input_and_say_why_in_german(
    account: Account, services: Services, base_url: str
) -> None:
    colleague = add_member(account, services.settings.data_dir, "member", name="Karl Kollege")
    customer = account.create_customer("Jürgen Weiß")
    notes = f"/api/v1/customers/{customer['id']}/notes"
    note = account.post(notes, json={"text": "Ruft Montag an"}).json()
    edit = f"/customers/{customer['id']}/notes/{note['id']}/edit"
    with signed_in(base_url, account.email) as browser:
        token = csrf_token_of(browser.get(f"/customers/{customer['id']}"))
        blank = browser.post(edit, data={"csrf_token": token, "text": "   "})
        assert blank.status_code == 422
        assert f'id="note-text-{note["id"]}-error"' in blank.text
        assert '<details class="edit" open>' in blank.text
        long = "Ä" * 10_001
        refused = browser.post(edit, data={"csrf_token": token, "text": long})
        assert refused.status_code == 422 and long in refused.text
    with signed_in(base_url, colleague.email) as browser:
        page = browser.get(f"/customers/{customer['id']}")
        assert f"/notes/{note['id']}/edit" not in page.text
        forged = browser.post(edit, data={"csrf_token": csrf_token_of(page), "text": "Meins"})
        assert forged.status_code == 403
        assert "Eine Notiz ändern oder löschen kann nur, wer sie geschrieben hat" in forged.text
    detail = account.get(f"/api/v1/customers/{customer['id']}").json()
    assert [n["text"] for n in detail["notes"]] == ["Ruft Montag an"]
