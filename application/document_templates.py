"""Templates of requested documents: list, create, change and delete an organisation's own,
and the items a new link copies from one.

Plain functions over the application (`app`): the list is one aggregate per organisation,
started with the starter templates in the organisation's language the first time it is read
or written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.errors import NotFound
from application.permissions import Action, authorize
from application.principal import Principal
from domain.document_templates import DocumentTemplates, TemplateNotFound
from domain.organization import Organization

if TYPE_CHECKING:
    from application.docintake import DocIntake


def templates_of(app: DocIntake, principal: Principal) -> DocumentTemplates:
    """The organisation's templates (started with the starters on first use)."""
    authorize(principal, Action.READ)
    return app.retrying(lambda: _loaded_or_started(app, principal.organization_id))


def _loaded_or_started(app: DocIntake, organization_id: UUID) -> DocumentTemplates:
    try:
        return app.load(DocumentTemplates.id_for(organization_id), DocumentTemplates)
    except NotFound:
        organization = app.load(organization_id, Organization)
        templates = DocumentTemplates.start(organization_id, organization.language)
        # Two first reads at once: one save wins, the other conflicts and loads it.
        app.record(templates)
        return templates


def template_of(app: DocIntake, principal: Principal, template_id: UUID) -> dict[str, Any]:
    try:
        return templates_of(app, principal).get(template_id)
    except TemplateNotFound:
        raise NotFound(f"No template with id {template_id}.") from None


def save_template(
    app: DocIntake,
    principal: Principal,
    template_id: UUID | None,
    name: object,
    items: object,
) -> tuple[UUID, int]:
    """Create (`template_id` None) or replace a template; returns its id and log position."""
    authorize(principal, Action.MANAGE_SETTINGS)

    def attempt() -> tuple[UUID, int]:
        templates = _loaded_or_started(app, principal.organization_id)
        try:
            saved = templates.save(template_id, name, items, principal.user_id)
        except TemplateNotFound:
            raise NotFound(f"No template with id {template_id}.") from None
        return saved, app.record(templates)

    return app.retrying(attempt)


def delete_template(app: DocIntake, principal: Principal, template_id: UUID) -> int:
    authorize(principal, Action.MANAGE_SETTINGS)

    def attempt() -> int:
        templates = _loaded_or_started(app, principal.organization_id)
        try:
            templates.delete(template_id, principal.user_id)
        except TemplateNotFound:
            raise NotFound(f"No template with id {template_id}.") from None
        return app.record(templates)

    return app.retrying(attempt)
