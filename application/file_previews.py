"""Previews: PDFs and raster images open in the browser from the staff page.

Only files that may be handed out at all (found clean, or received while scanning
was off) are previewed; the bytes are served inline in a sandbox, so nothing in
them runs as one of our pages. Every other type is downloaded instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from uuid import UUID

from application.permissions import Action, authorize
from application.principal import Principal
from domain.errors import DomainError
from domain.received_file import ReceivedFile

if TYPE_CHECKING:
    from application.docintake import DocIntake

#: What a browser shows by itself without running anything of the file's. SVG is
#: not among them: it can carry script.
PREVIEW_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})
PREVIEW_IMAGE_TYPES = sorted(t for t in PREVIEW_TYPES if t.startswith("image/"))


class PreviewNotAvailable(DomainError):
    code = "preview_not_available"


def previewable(content_type: str) -> bool:
    return content_type in PREVIEW_TYPES


def file_preview(
    app: DocIntake, principal: Principal, file_id: UUID
) -> tuple[ReceivedFile, Iterator[bytes]]:
    """The file and its bytes for an inline view; refused for other types and for files
    not found clean."""
    authorize(principal, Action.READ)
    received = app.files.get(principal, file_id)
    received.refuse_unless_scanned()
    if not previewable(received.content_type):
        raise PreviewNotAvailable("This type of file cannot be shown in the browser.")
    content = app.files.read_object(received.customer_id, received.object_key)
    return received, content
