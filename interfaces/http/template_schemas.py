"""The JSON shapes of document templates."""

from __future__ import annotations

from typing import Annotated

import msgspec

from domain.document_templates import HINT_MAX_LENGTH, TEMPLATE_NAME_MAX_LENGTH
from domain.upload_link import ITEM_LABEL_MAX_LENGTH, MAX_REQUESTED_ITEMS
from interfaces.http import documented


class TemplateItem(msgspec.Struct):
    label: str
    hint: str | None = None


class Template(msgspec.Struct):
    id: str
    name: str
    items: list[TemplateItem]


class TemplateList(msgspec.Struct):
    items: list[Template]


class TemplateItemRequest(msgspec.Struct, forbid_unknown_fields=True):
    label: Annotated[str, documented.text(ITEM_LABEL_MAX_LENGTH)]
    hint: Annotated[str, documented.text(HINT_MAX_LENGTH, required=False)] | None = None


class TemplateRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, documented.text(TEMPLATE_NAME_MAX_LENGTH)]
    items: Annotated[list[TemplateItemRequest], documented.items(MAX_REQUESTED_ITEMS)]


class ChangeTemplateRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, documented.text(TEMPLATE_NAME_MAX_LENGTH)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    items: (
        Annotated[list[TemplateItemRequest], documented.items(MAX_REQUESTED_ITEMS)]
        | msgspec.UnsetType
    ) = msgspec.UNSET
