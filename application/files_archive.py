"""Download all: a customer's received files (all, one link's, or a selection) as one ZIP.

Streamed through `application.zip_stream` (no temporary file, memory flat). Each
requested document has its folder (named by its label); files sent without one go
to "Weitere Dateien". `Inhalt.txt` lists every file with its review, in German,
with sizes and times as people write them (the organisation's time zone). Files
found infected or not scanned yet are left out, and the index names them and why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from application.permissions import Action, authorize
from application.principal import Principal
from application.storage_keys import file_key
from application.texts.formats import Formats
from application.zip_stream import StreamingZip, unique_name
from domain.errors import InvalidValue
from domain.file_name import safe_file_name
from domain.organization import Organization
from domain.received_file import HANDED_OUT
from projections.customer_detail import CustomerDetailView, FileRow

if TYPE_CHECKING:
    from application.docintake import DocIntake

INDEX_NAME = "Inhalt.txt"
OTHER_FILES = "Weitere Dateien"
MAX_SELECTED = 1_000
REVIEW_WORDS = {"pending": "noch nicht geprüft", "checked": "geprüft", "query": "Rückfrage"}


def folder_name(label: str) -> str:
    """A requested document's label as a folder name: a slash in it stays in the name."""
    return safe_file_name(label.replace("/", "-").replace("\\", "-")) or OTHER_FILES


def _left_out_reason(row: FileRow) -> str:
    if row.scan_state == "infected":
        return f"Schadsoftware gefunden ({row.scan_signature}), gesperrt"
    return "Virenprüfung noch nicht abgeschlossen"


class FilesArchive:
    def __init__(self, app: DocIntake, detail: CustomerDetailView) -> None:
        self.app = app
        self.detail = detail

    def archive(
        self,
        principal: Principal,
        customer_id: UUID,
        *,
        link_id: UUID | None = None,
        file_ids: Sequence[UUID] = (),
    ) -> tuple[str, Iterator[bytes]]:
        """The archive's file name and its bytes, produced as they are sent."""
        authorize(principal, Action.READ)
        customer = self.app.customer_of(principal, customer_id)
        if len(file_ids) > MAX_SELECTED:
            raise InvalidValue.single("file_id", f"at most {MAX_SELECTED} files")
        links = self.detail.links(customer_id)
        if link_id is not None and link_id not in {link.id for link in links}:
            raise InvalidValue.single("link_id", "is not a link of this customer")
        files = self.detail.files(customer_id)
        # A question the client answered with a new file: the index names the answer.
        names = {f.id: f.filename for f in files}
        answers = {
            queried: names[answer]
            for queried, answer in self.detail.file_answers(customer_id).items()
            if answer in names
        }
        if link_id is not None:
            files = [f for f in files if f.link_id == link_id]
        if file_ids:
            unknown = set(file_ids) - {f.id for f in files}
            if unknown:
                raise InvalidValue.single("file_id", "names a file this customer does not have")
            files = [f for f in files if f.id in set(file_ids)]
        labels = {
            str(item["id"]): str(item["label"]) for link in links for item in link.requested_items
        }
        organization = self.app.load(principal.organization_id, Organization)
        formats = Formats("de", organization.time_zone)
        folders = {f.id: folder_name(labels.get(str(f.item_id), OTHER_FILES)) for f in files}
        name = safe_file_name(f"Dateien {customer.name}.zip")

        def archive() -> Iterator[bytes]:
            zipped = StreamingZip()
            taken: dict[str, set[str]] = {}
            index = [f"Dateien von {customer.name}", ""]
            left_out: list[str] = []
            # Oldest first: a second file of the same name gets "(2)", not the first.
            for row in sorted(files, key=lambda f: (f.uploaded_at, str(f.id))):
                folder = folders[row.id]
                if row.scan_state not in HANDED_OUT:
                    left_out.append(f"{folder}/{row.filename} – {_left_out_reason(row)}")
                    continue
                path = f"{folder}/{unique_name(row.filename, taken.setdefault(folder, set()))}"
                index.append(self._index_line(path, row, formats, answers.get(row.id)))
                content = self.app.files.read_object(customer_id, file_key(row.id))
                yield from zipped.stream(path, content, row.size, formats.local(row.uploaded_at))
            if left_out:
                index += ["", "Nicht enthalten:", *left_out]
            if not files:
                index.append("Keine Dateien.")
            yield from zipped.text(INDEX_NAME, "\n".join(index) + "\n")
            yield from zipped.close()

        return name, archive()

    @staticmethod
    def _index_line(path: str, row: FileRow, formats: Formats, answer: str | None) -> str:
        review = REVIEW_WORDS.get(row.review_state, row.review_state)
        if row.review_state == "query" and row.review_comment:
            review += f": {row.review_comment}"
        if row.review_state == "query" and answer is not None:
            review += f" – beantwortet mit „{answer}“"
        uploaded = formats.datetime(row.uploaded_at)
        return f"{path} – {formats.size(row.size)}, hochgeladen {uploaded}, {review}"
