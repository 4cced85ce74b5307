"""Everything stored about one customer in one ZIP (GDPR Art. 15: right of access).

Details, notes, links and both kinds of files, plus the history in plain words.
Streamed: the archive is written as it is sent (`application.zip_stream`), each
file read and decrypted a segment at a time, so a customer with gigabytes of
files costs the server no more memory than one with a few. Files found infected
or not scanned yet are left out (they are never handed out); `kunde.json` lists
them with their scan state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from application.docintake import DocIntake
from application.history import plain
from application.permissions import Action, authorize
from application.principal import Principal
from application.storage_keys import file_key
from application.texts.formats import Formats
from application.zip_stream import StreamingZip, unique_name
from domain.file_name import safe_file_name
from domain.received_file import HANDED_OUT
from domain.sent_file import SentFile
from projections.activity import ActivityView
from projections.customer_detail import CustomerDetailView


def _without_token(row: Any) -> Any:
    """Links and sent files without their tokens: the archive may travel by mail."""
    return plain({k: v for k, v in vars(row).items() if k != "token"})


class CustomerExport:
    def __init__(self, app: DocIntake, detail: CustomerDetailView, activity: ActivityView) -> None:
        self.app = app
        self.detail = detail
        self.activity = activity

    def export(self, principal: Principal, customer_id: UUID) -> tuple[str, Iterator[bytes]]:
        """The archive's file name and its bytes, produced as they are read."""
        authorize(principal, Action.READ)
        customer = self.app.customer_of(principal, customer_id)
        notes = self.detail.notes(customer_id)
        links = self.detail.links(customer_id)
        files = self.detail.files(customer_id)
        sent = self.detail.sent_files(customer_id)
        details = {
            "id": str(customer.id),
            "name": customer.name,
            "email": customer.email,
            "company": customer.company,
            "customer_number": customer.customer_number,
            "language": customer.language,
            "status": customer.status,
            "created_at": customer.created_on.isoformat(),
            "modified_at": customer.modified_on.isoformat(),
            "notes": [plain(vars(n)) for n in notes],
            "links": [
                plain({k: v for k, v in vars(link).items() if k != "token"}) for link in links
            ],
            "received_files": [plain(vars(f)) for f in files],
            "sent_files": [_without_token(s) for s in sent],
        }
        zone = self.app.links.organization_face(principal.organization_id).time_zone
        history = self._history(customer_id, zone)
        name = safe_file_name(f"Auskunft {customer.name}.zip")

        def archive() -> Iterator[bytes]:
            zipped = StreamingZip()
            yield from zipped.text(
                "kunde.json", json.dumps(details, ensure_ascii=False, indent=2) + "\n"
            )
            yield from zipped.text("verlauf.txt", history)
            taken: set[str] = set()
            for item in files:
                if item.scan_state not in HANDED_OUT:
                    continue  # infected or not yet scanned: never handed out
                path = f"eingegangen/{unique_name(item.filename, taken)}"
                yield from self._file(zipped, path, item, customer_id, file_key(item.id))
            for sent_item in sent:
                path = f"gesendet/{unique_name(sent_item.filename, taken)}"
                key = self.app.load(sent_item.id, SentFile).object_key
                yield from self._file(zipped, path, sent_item, customer_id, key)
            yield from zipped.close()

        return name, archive()

    def _file(
        self, zipped: StreamingZip, path: str, item: Any, customer_id: UUID, key: str
    ) -> Iterator[bytes]:
        content = self.app.files.read_object(customer_id, key)
        moment: datetime = getattr(item, "uploaded_at", None) or item.created_at
        yield from zipped.stream(path, content, item.size, moment)

    def _history(self, customer_id: UUID, zone: str) -> str:
        """The history in German, its times where the organisation is (as on its pages)."""
        formats = Formats("de", zone)
        lines = ["Verlauf (neueste Einträge zuerst)", ""]
        cursor: str | None = None
        while True:
            page = self.activity.page(customer_id, limit=200, cursor=cursor, zone=zone)
            lines += [f"{formats.datetime(item.at)} – {item.summary}" for item in page.items]
            if page.next_cursor is None:
                return "\n".join(lines) + "\n"
            cursor = page.next_cursor
