"""The organisation's templates of requested documents: started with the starters in the
organisation's language, created, replaced and deleted by owners and admins."""

from __future__ import annotations

from uuid import uuid4

import pytest

from application.docintake import DocIntake
from application.errors import Forbidden, NotFound
from application.principal import Principal
from domain.document_templates import DocumentTemplates
from domain.errors import InvalidValue
from domain.starter_templates import starter_templates
from tests.commands.conftest import member, sign_up

ITEMS = ["Lohnsteuerbescheinigung", {"label": "Spendenquittungen", "hint": "alle Belege 🧾"}]


def names(templates: DocumentTemplates) -> set[str]:
    return {template["name"] for template in templates.templates.values()}


def test_the_list_starts_with_the_starters_in_the_organisations_language(
    app: DocIntake, owner: Principal
) -> None:
    assert names(app.templates.all(owner)) == {s["name"] for s in starter_templates("de")}
    english = sign_up(app, "Baker & Partners", "office@example.co.uk")
    app.organization.change(english, {"language": "en"})
    assert names(app.templates.all(english)) != names(app.templates.all(owner))
    # Started once: reading again records nothing.
    position = app.head()
    app.templates.all(owner)
    assert app.head() == position


def test_create_replace_and_delete_a_template(app: DocIntake, owner: Principal) -> None:
    created = app.templates.save(owner, None, "Einkommensteuer 2025 – Müller", ITEMS)
    template_id = created.id
    assert created.position == app.head()
    saved = app.templates.get(owner, template_id)
    assert saved["name"] == "Einkommensteuer 2025 – Müller"
    assert saved["items"] == [
        {"label": "Lohnsteuerbescheinigung", "hint": None},
        {"label": "Spendenquittungen", "hint": "alle Belege 🧾"},
    ]
    same_id = app.templates.save(owner, template_id, "Einkommensteuer 2025", ["Kontoauszug"]).id
    assert same_id == template_id
    assert app.templates.get(owner, template_id)["items"] == [
        {"label": "Kontoauszug", "hint": None}
    ]
    app.templates.delete(owner, template_id)
    for attempt in (
        lambda: app.templates.get(owner, template_id),
        lambda: app.templates.delete(owner, template_id),
        lambda: app.templates.save(owner, template_id, "Wieder", ["Beleg"]),
    ):
        with pytest.raises(NotFound):
            attempt()


def test_every_bad_value_is_named_at_its_item_and_nothing_is_saved(
    app: DocIntake, owner: Principal
) -> None:
    app.templates.all(owner)
    position = app.head()
    with pytest.raises(InvalidValue) as refused:
        app.templates.save(owner, None, "", ["Beleg", "BELEG", "", {"label": "x" * 5000}])
    assert {"name", "items[1].label", "items[2].label", "items[3].label"} <= set(
        refused.value.fields
    )
    with pytest.raises(InvalidValue) as not_a_list:
        app.templates.save(owner, None, "Liste", "Beleg")
    assert set(not_a_list.value.fields) == {"items"}
    assert app.head() == position


def test_members_read_templates_owners_and_admins_change_them(
    app: DocIntake, owner: Principal
) -> None:
    template_id = app.templates.save(owner, None, "Nebenkosten", ["Abrechnung"]).id
    colleague = member(app, owner, "member", "kollegin@example.com")
    assert app.templates.get(colleague, template_id)["name"] == "Nebenkosten"
    position = app.head()
    for attempt in (
        lambda: app.templates.save(colleague, None, "Neu", ["Beleg"]),
        lambda: app.templates.save(colleague, template_id, "Geändert", ["Beleg"]),
        lambda: app.templates.delete(colleague, template_id),
    ):
        with pytest.raises(Forbidden):
            attempt()
    assert app.head() == position
    admin = member(app, owner, "admin", "admin@example.com")
    app.templates.delete(admin, template_id)


def test_another_organisations_template_is_not_found(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    template_id = app.templates.save(owner, None, "Nebenkosten", ["Abrechnung"]).id
    for attempt in (
        lambda: app.templates.get(stranger, template_id),
        lambda: app.templates.save(stranger, template_id, "Übernommen", ["Beleg"]),
        lambda: app.templates.delete(stranger, template_id),
        lambda: app.templates.get(owner, uuid4()),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert app.templates.get(owner, template_id)["name"] == "Nebenkosten"
