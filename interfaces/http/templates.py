"""Templates of requested documents: `GET`, `POST /api/v1/templates`, `PATCH`, `DELETE
/api/v1/templates/{id}` (an organisation's own; it starts with four starter templates)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.document_templates import DocumentTemplateCommands
from application.principal import Principal
from interfaces.http import template_schemas as schemas
from interfaces.http.consistency import Reads


def template_body(template_id: UUID | str, template: dict[str, Any]) -> schemas.Template:
    return schemas.Template(
        id=str(UUID(str(template_id))),
        name=template["name"],
        items=[
            schemas.TemplateItem(label=i["label"], hint=i.get("hint")) for i in template["items"]
        ],
    )


def _plain(items: list[schemas.TemplateItemRequest]) -> list[dict[str, Any]]:
    return [{"label": item.label, "hint": item.hint} for item in items]


class TemplateController(Controller):
    path = "/api/v1/templates"
    tags = ["templates"]

    @get("/", sync_to_thread=True)
    def list_templates(
        self,
        templates: NamedDependency[DocumentTemplateCommands],
        principal: NamedDependency[Principal],
    ) -> schemas.TemplateList:
        """The organisation's templates by name (the four starters until changed)."""
        bodies = [
            template_body(key, value) for key, value in templates.all(principal).templates.items()
        ]
        return schemas.TemplateList(items=sorted(bodies, key=lambda t: (t.name.casefold(), t.id)))

    @post("/", status_code=201, sync_to_thread=True)
    def create_template(
        self,
        templates: NamedDependency[DocumentTemplateCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.TemplateRequest],
    ) -> Response[schemas.Template]:
        """A new template: a name and its items, each with an optional hint for the client."""
        recorded = templates.save(principal, None, data.name, _plain(data.items))
        body = template_body(recorded.id, templates.get(principal, recorded.id))
        return reads.recorded(recorded, body, status_code=201)

    @patch("/{template_id:uuid}", sync_to_thread=True)
    def change_template(
        self,
        templates: NamedDependency[DocumentTemplateCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        template_id: FromPath[UUID],
        data: JSONBody[schemas.ChangeTemplateRequest],
    ) -> Response[schemas.Template]:
        """Change the name, the items, or both (links made from it keep their own copy)."""
        current = templates.get(principal, template_id)
        name = current["name"] if data.name is msgspec.UNSET else data.name
        items = current["items"] if data.items is msgspec.UNSET else _plain(data.items)
        recorded = templates.save(principal, template_id, name, items)
        body = template_body(template_id, templates.get(principal, template_id))
        return reads.recorded(recorded, body)

    @delete("/{template_id:uuid}", status_code=204, sync_to_thread=True)
    def remove_template(
        self,
        templates: NamedDependency[DocumentTemplateCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        template_id: FromPath[UUID],
    ) -> Response[None]:
        """Delete the template (links made from it keep their items)."""
        return reads.recorded(templates.delete(principal, template_id), None, status_code=204)
