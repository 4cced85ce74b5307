"""Templates of requested documents: an organisation's reusable lists ("Einkommensteuer 2025":
Lohnsteuerbescheinigung, Spendenquittungen, ...), each item with an optional hint for the client.

All templates of one organisation are one aggregate, its id derived from the organisation's:
a list small enough to load whole, and nothing of one organisation reachable from another.
A new organisation's list starts with the starter templates in its language.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, InvalidValue, all_checked, problem
from domain.one_per_organization import OnePerOrganization
from domain.starter_templates import starter_templates
from domain.upload_link import ITEM_HINT_MAX_LENGTH, ITEM_LABEL_MAX_LENGTH, MAX_REQUESTED_ITEMS
from domain.values import text_value

_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/document-templates")
TEMPLATE_NAME_MAX_LENGTH = 200
HINT_MAX_LENGTH = ITEM_HINT_MAX_LENGTH
MAX_TEMPLATES = 200


class TemplateNotFound(DomainError):
    code = "not_found"


def template_items(value: object, field: str = "items") -> list[dict[str, Any]]:
    """`[{label, hint?}]` (or plain labels): labels unique regardless of case, hints optional;
    each problem is named at its item (`items[1].label`)."""
    if not isinstance(value, list) or len(value) > MAX_REQUESTED_ITEMS:
        raise InvalidValue.single(field, f"must be a list of at most {MAX_REQUESTED_ITEMS} items")
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    problems: dict[str, Any] = {}
    for index, raw in enumerate(value):
        raw_label = raw.get("label") if isinstance(raw, dict) else raw
        raw_hint = raw.get("hint") if isinstance(raw, dict) else None
        at = f"{field}[{index}]"
        try:
            label = text_value(
                raw_label, f"{at}.label", max_length=ITEM_LABEL_MAX_LENGTH, required=True
            )
            hint = text_value(raw_hint, f"{at}.hint", max_length=HINT_MAX_LENGTH)
        except InvalidValue as invalid:
            problems.update(invalid.problems)
            continue
        assert label is not None
        label = unicodedata.normalize("NFC", label)
        if label.casefold() in seen:
            problems[f"{at}.label"] = problem(
                "item_twice", f"{label!r} is listed twice", label=label
            )
            continue
        seen.add(label.casefold())
        items.append({"label": label, "hint": hint or None})
    if problems:
        raise InvalidValue(problems)
    return items


def template_name(value: object, field: str = "name") -> str:
    name = text_value(value, field, max_length=TEMPLATE_NAME_MAX_LENGTH, required=True)
    assert name is not None
    return name


class DocumentTemplates(OnePerOrganization, Aggregate):
    """The templates of one organisation: template id (hex) -> {name, items}."""

    id_namespace = _NAMESPACE

    class TemplatesStarted(Aggregate.Created):
        organization_id: UUID
        language: str

    class TemplateSaved(Aggregate.Event):
        template_id: UUID
        name: str
        items: list[dict[str, Any]]
        actor_id: UUID | None

        def apply(self, aggregate: Any) -> None:
            aggregate.templates = {
                **aggregate.templates,
                self.template_id.hex: {"name": self.name, "items": list(self.items)},
            }

    class TemplateDeleted(Aggregate.Event):
        template_id: UUID
        actor_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.templates = {
                k: v for k, v in aggregate.templates.items() if k != self.template_id.hex
            }

    @event(TemplatesStarted)
    def __init__(self, organization_id: UUID, language: str) -> None:
        self.organization_id = organization_id
        self.templates: dict[str, dict[str, Any]] = {}

    @classmethod
    def start(cls, organization_id: UUID, language: str) -> DocumentTemplates:
        """A new list with the starter templates in `language`."""
        templates = cls(organization_id=organization_id, language=language)
        for starter in starter_templates(language):
            templates.trigger_event(
                cls.TemplateSaved,
                template_id=uuid5(_NAMESPACE, f"{organization_id.hex}:{starter['key']}"),
                name=starter["name"],
                items=starter["items"],
                actor_id=None,
            )
        return templates

    def get(self, template_id: UUID) -> dict[str, Any]:
        found = self.templates.get(template_id.hex)
        if found is None:
            raise TemplateNotFound(f"No template with id {template_id}.")
        return found

    def save(self, template_id: UUID | None, name: object, items: object, actor_id: UUID) -> UUID:
        """Create (no id) or replace a template; returns its id."""
        checked: dict[str, Any] = all_checked(
            {"name": lambda: template_name(name), "items": lambda: template_items(items)}
        )
        if template_id is None:
            if len(self.templates) >= MAX_TEMPLATES:
                raise InvalidValue.single("name", f"at most {MAX_TEMPLATES} templates")
            template_id = uuid4()
        else:
            self.get(template_id)
        self.trigger_event(
            self.TemplateSaved,
            template_id=template_id,
            name=checked["name"],
            items=checked["items"],
            actor_id=actor_id,
        )
        return template_id

    def delete(self, template_id: UUID, actor_id: UUID) -> None:
        self.get(template_id)
        self.trigger_event(self.TemplateDeleted, template_id=template_id, actor_id=actor_id)
