"""Templates of requested documents over HTTP: the starters, create, change, delete, a link
made from one (items copied with their hints, still editable), validation and tenancy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Account
from tests.support.uploads import create_link

STARTERS_DE = [
    "Einkommensteuer 2025",
    "Mandat und Beurkundung",
    "Mieterselbstauskunft",
    "Onboarding neuer Mitarbeiter",
]


def templates(account: Account) -> list[dict[str, Any]]:
    response = account.get("/api/v1/templates")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_an_organisation_starts_with_four_starter_templates(account: Account) -> None:
    starters = templates(account)
    assert [t["name"] for t in starters] == STARTERS_DE
    tax = starters[0]
    assert tax["items"][0] == {
        "label": "Lohnsteuerbescheinigung 2025",
        "hint": "Vom Arbeitgeber, meist im Februar erhalten.",
    }
    # Reading twice starts nothing twice.
    assert templates(account) == starters


def test_english_organisations_get_english_starters(account: Account) -> None:
    changed = account.patch("/api/v1/organization", json={"language": "en"})
    assert changed.status_code == 200, changed.text
    names = [t["name"] for t in templates(account)]
    assert "Income tax 2025" in names and "Onboarding a new employee" in names


def test_create_change_and_delete_a_template(account: Account) -> None:
    created = account.post(
        "/api/v1/templates",
        json={
            "name": "Jahresabschluss 2025 – GmbH 🧾",
            "items": [
                {"label": "Kontoauszüge Dezember", "hint": "Alle Konten, auch Tagesgeld."},
                {"label": "Inventurliste"},
            ],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["items"] == [
        {"label": "Kontoauszüge Dezember", "hint": "Alle Konten, auch Tagesgeld."},
        {"label": "Inventurliste", "hint": None},
    ]
    renamed = account.patch(f"/api/v1/templates/{body['id']}", json={"name": "Jahresabschluss"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Jahresabschluss"
    assert renamed.json()["items"] == body["items"]
    assert body["id"] in [t["id"] for t in templates(account)]
    assert account.delete(f"/api/v1/templates/{body['id']}").status_code == 204
    assert body["id"] not in [t["id"] for t in templates(account)]
    assert account.delete(f"/api/v1/templates/{body['id']}").status_code == 404
    assert account.patch(f"/api/v1/templates/{body['id']}", json={"name": "x"}).status_code == 404


TEMPLATE_CASES: list[tuple[dict[str, Any], str]] = [
    ({"items": [{"label": "A"}]}, "name"),
    ({"name": "", "items": [{"label": "A"}]}, "name"),
    ({"name": "x" * 201, "items": []}, "name"),
    ({"name": "Steuer\u0000", "items": []}, "name"),
    ({"name": "Steuer", "items": [{"label": ""}]}, "items[0].label"),
    ({"name": "Steuer", "items": [{"label": "A"}, {"label": "a"}]}, "items[1].label"),
    ({"name": "Steuer", "items": [{"label": "A", "hint": "h" * 501}]}, "items[0].hint"),
    # The problem is named at its item: the second label carries a control character.
    (
        {"name": "Steuer", "items": [{"label": "Müller"}, {"label": "Kündigung\u0007"}]},
        "items[1].label",
    ),
    ({"name": "Steuer", "items": [{"label": "A"}] * 51}, "items"),
    ({"name": "Steuer", "items": [], "extra": 1}, "extra"),
]


@pytest.mark.parametrize(("body", "field"), TEMPLATE_CASES)
def test_template_fields_are_validated(account: Account, body: dict[str, Any], field: str) -> None:
    before = templates(account)
    response = account.post("/api/v1/templates", json=body)
    assert response.status_code == 422, response.text
    assert any(field in name for name in response.json()["error"]["fields"]), response.text
    assert templates(account) == before


def test_a_link_from_a_template_copies_its_items(account: Account) -> None:
    customer = account.create_customer("Jürgen Straße", email="juergen@example.com")
    [tax] = [t for t in templates(account) if t["name"] == "Einkommensteuer 2025"]
    link = create_link(account, customer["id"], template_id=tax["id"])
    assert link["template_id"] == tax["id"]
    assert [(i["label"], i["hint"]) for i in link["requested_items"]] == [
        (i["label"], i["hint"]) for i in tax["items"]
    ]
    # Changing the template later leaves the link's own copy alone.
    account.patch(f"/api/v1/templates/{tax['id']}", json={"items": [{"label": "Nur noch das"}]})
    again = account.get(f"/api/v1/links/{link['id']}").json()
    assert len(again["requested_items"]) == len(tax["items"])
    listed = account.get(f"/api/v1/customers/{customer['id']}/links").json()["items"]
    assert listed[0]["template_id"] == tax["id"]
    assert listed[0]["requested_items"][0]["hint"] == tax["items"][0]["hint"]
    # Edited when the link is made: the given items win, the template is still named.
    edited = create_link(
        account,
        customer["id"],
        template_id=tax["id"],
        requested_items=["Lohnsteuerbescheinigung 2025", {"label": "Kündigung – 2024"}],
    )
    assert [i["label"] for i in edited["requested_items"]] == [
        "Lohnsteuerbescheinigung 2025",
        "Kündigung – 2024",
    ]
    assert edited["template_id"] == tax["id"]


def test_templates_are_the_organisations_own(account: Account, other_account: Account) -> None:
    mine = account.post("/api/v1/templates", json={"name": "Geheim", "items": [{"label": "A"}]})
    template_id = mine.json()["id"]
    assert template_id not in [t["id"] for t in templates(other_account)]
    assert (
        other_account.patch(f"/api/v1/templates/{template_id}", json={"name": "x"}).status_code
        == 404
    )
    assert other_account.delete(f"/api/v1/templates/{template_id}").status_code == 404
    theirs = other_account.create_customer("Fremd GmbH")
    refused = other_account.post(
        f"/api/v1/customers/{theirs['id']}/links", json={"template_id": template_id}
    )
    assert refused.status_code == 422 and "template_id" in refused.json()["error"]["fields"]
    assert [t["name"] for t in templates(account) if t["id"] == template_id] == ["Geheim"]
