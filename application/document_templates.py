"""Templates of requested documents: list, create, change and delete an organisation's own,
and the items a new link copies from one.

The list is one aggregate per organisation, started with the starter templates in the
organisation's language the first time it is read or written (`app.templates`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.command import Context, Recorded
from application.errors import NotFound
from application.permissions import Action, authorize
from application.principal import Principal
from domain.document_templates import DocumentTemplates, TemplateNotFound
from domain.organization import Organization


class DocumentTemplateCommands(Context):
    """The organisation's templates of requested documents."""

    def all(self, principal: Principal) -> DocumentTemplates:
        """The organisation's templates (started with the starters on first use)."""
        authorize(principal, Action.READ)
        return self.app.retrying(lambda: self._loaded_or_started(principal.organization_id))

    def _loaded_or_started(self, organization_id: UUID) -> DocumentTemplates:
        try:
            return self.app.load(DocumentTemplates.id_for(organization_id), DocumentTemplates)
        except NotFound:
            organization = self.app.load(organization_id, Organization)
            templates = DocumentTemplates.start(organization_id, organization.language)
            # Two first reads at once: one save wins, the other conflicts and loads it.
            self.app.record(templates)
            return templates

    def get(self, principal: Principal, template_id: UUID) -> dict[str, Any]:
        try:
            return self.all(principal).get(template_id)
        except TemplateNotFound:
            raise NotFound(f"No template with id {template_id}.") from None

    def save(
        self,
        principal: Principal,
        template_id: UUID | None,
        name: object,
        items: object,
    ) -> Recorded:
        """Create (`template_id` None) or replace a template (`id`: the template's)."""
        authorize(principal, Action.MANAGE_SETTINGS)

        def attempt() -> Recorded:
            templates = self._loaded_or_started(principal.organization_id)
            try:
                saved = templates.save(template_id, name, items, principal.user_id)
            except TemplateNotFound:
                raise NotFound(f"No template with id {template_id}.") from None
            return Recorded(saved, self.app.record(templates))

        return self.app.retrying(attempt)

    def delete(self, principal: Principal, template_id: UUID) -> Recorded:
        authorize(principal, Action.MANAGE_SETTINGS)

        def attempt() -> Recorded:
            templates = self._loaded_or_started(principal.organization_id)
            try:
                templates.delete(template_id, principal.user_id)
            except TemplateNotFound:
                raise NotFound(f"No template with id {template_id}.") from None
            return Recorded(template_id, self.app.record(templates))

        return self.app.retrying(attempt)
